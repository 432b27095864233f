package dev.harvest.bench;

import dev.harvest.bench.Timeline.CommitNanos;
import dev.harvest.bench.Timeline.Doing;
import dev.harvest.bench.Timeline.Sample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The {@code --timeline} file: a {@link Timeline}'s samples and the paced tasks' latencies, per window, as CSV. */
final class TimelineCsv {

    static final long WINDOW_MS = 100;

    private TimelineCsv() {
    }

    /** A task offered at {@code offeredAtMs} (wall clock) whose result came {@code latencyMs} later. */
    record Offered(long offeredAtMs, long latencyMs) {
    }

    /**
     * When each paced task was offered ({@code p<repeat>-<i>}, sent {@code i / rate} seconds after its repeat
     * began, to within the pacing step) and its latency.
     */
    static List<Offered> offered(LatencyLog log, long[] startedAt, double rate) {
        List<Offered> out = new ArrayList<>();
        for (LatencyLog.Entry x : log.entries("p")) {
            int repeat = Integer.parseInt(x.series().substring(1));
            out.add(new Offered(startedAt[repeat] + (long) (x.index() * 1000 / rate), x.latencyMs()));
        }
        return out;
    }

    /**
     * Writes one CSV line per {@link #WINDOW_MS} ms window from the first sample: the tasks offered in it and
     * their median and highest end-to-end latency, the task records acknowledged in it, the mean leases held
     * for tasks and kept with none, requests waiting and attempts in flight, the records processed and commits
     * made in it, and the share of the samples in it in which the lane's stream thread was committing, polling,
     * processing or punctuating, and the milliseconds its producers spent in it flushing, sending offsets to the
     * transaction and ending it, the stream thread's CPU time in it and the time this JVM spent in it collecting garbage (a window with the
     * thread processing and little CPU time is one in which it waited or was not given a core).
     */
    static void write(Path file, List<Sample> samples, List<Offered> offered) {
        if (samples.isEmpty()) {
            return;
        }
        long t0 = samples.get(0).atMs();
        int windows = (int) ((samples.get(samples.size() - 1).atMs() - t0) / WINDOW_MS) + 1;
        List<List<Long>> latencies = new ArrayList<>();
        List<List<Sample>> sampled = new ArrayList<>();
        for (int w = 0; w < windows; w++) {
            latencies.add(new ArrayList<>());
            sampled.add(new ArrayList<>());
        }
        for (Offered o : offered) {
            int w = (int) ((o.offeredAtMs() - t0) / WINDOW_MS);
            if (o.offeredAtMs() >= t0 && w < windows) {
                latencies.get(w).add(o.latencyMs());
            }
        }
        for (Sample s : samples) {
            sampled.get((int) ((s.atMs() - t0) / WINDOW_MS)).add(s);
        }
        StringBuilder csv = new StringBuilder("ms,offered,p50Ms,maxMs,acked,held,kept,waiting,running,processed,commits,"
                + "committing,polling,processing,punctuating,flushMs,sendOffsetsMs,endTxnMs,streamCpuMs,gcMs\n");
        Sample before = samples.get(0);
        for (int w = 0; w < windows; w++) {
            List<Long> lat = latencies.get(w);
            lat.sort(null);
            List<Sample> in = sampled.get(w);
            Sample last = in.isEmpty() ? before : in.get(in.size() - 1);
            CommitNanos spent = last.commitNanos().minus(before.commitNanos());
            csv.append(String.format(Locale.ROOT, "%d,%d,%s,%s,%d,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%s,%s,%s,%s,%.1f,%.1f,%.1f,%.1f,%d%n",
                    w * WINDOW_MS,
                    lat.size(), lat.isEmpty() ? "" : lat.get(lat.size() / 2), lat.isEmpty() ? "" : lat.get(lat.size() - 1),
                    last.acked() - before.acked(),
                    in.stream().mapToDouble(Sample::held).average().orElse(Double.NaN),
                    in.stream().mapToDouble(Sample::kept).average().orElse(Double.NaN),
                    in.stream().mapToDouble(Sample::waiting).average().orElse(Double.NaN),
                    in.stream().mapToDouble(Sample::running).average().orElse(Double.NaN),
                    last.processed() - before.processed(), last.commits() - before.commits(), share(in, Doing.COMMIT),
                    share(in, Doing.POLL), share(in, Doing.PROCESS), share(in, Doing.PUNCTUATE), spent.flush() / 1e6,
                    spent.sendOffsets() / 1e6, spent.endTxn() / 1e6,
                    (last.streamCpuNanos() - before.streamCpuNanos()) / 1e6, last.gcMs() - before.gcMs()));
            before = last;
        }
        try {
            Files.writeString(file, csv);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the timeline to " + file, e);
        }
    }

    private static String share(List<Sample> in, Doing doing) {
        return in.isEmpty() ? "" : Double.toString(BenchRunner.round(
                (double) in.stream().filter(x -> x.doing() == doing).count() / in.size(), 2));
    }
}
