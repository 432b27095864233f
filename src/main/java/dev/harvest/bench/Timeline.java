package dev.harvest.bench;

import dev.harvest.metrics.MetricNames;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.streams.KafkaStreams;

/**
 * What the lane did, sampled every {@link #PERIOD_MS} ms while tasks are offered at a steady rate: the task
 * records the broker acknowledged to the producer, leases held by tasks and kept with none, admission requests
 * waiting, attempts in flight, and the records the lane's stream threads processed and the commits they made so
 * far. It shows where the paced latency comes from: a stretch in which the stream thread processes nothing (a
 * commit, a pause) stops new tasks from reaching admission, so the permits empty, and the tasks offered meanwhile
 * wait until it ends.
 */
final class Timeline implements AutoCloseable {

    static final long PERIOD_MS = 10;

    /** What the lane's (first) stream thread was doing at a sample, from its stack. */
    enum Doing { COMMIT, POLL, PROCESS, PUNCTUATE, OTHER }

    /**
     * One sample; {@code atMs} is on the wall clock, as task timestamps are. {@code held} counts the leases held
     * for tasks, {@code kept} those the instance holds with no task, kept for its next request (with Redis
     * admission; see {@code KeptLeases}): a kept lease is a permit free for this instance's next task, not one in
     * use. {@code doing} is {@link Doing#OTHER} unless the stack is sampled; {@code streamCpuNanos} is the lane's (first) stream thread's CPU time so far
     * and {@code gcMs} this JVM's time in garbage collection so far.
     */
    record Sample(long atMs, long acked, double held, double kept, double waiting, double running, double processed,
                  double commits, Doing doing, CommitNanos commitNanos, long streamCpuNanos, long gcMs) {
    }

    /** The lane's producers' time in the three steps of a commit so far (Kafka's cumulative producer metrics). */
    record CommitNanos(double flush, double sendOffsets, double endTxn) {
        CommitNanos minus(CommitNanos earlier) {
            return new CommitNanos(flush - earlier.flush, sendOffsets - earlier.sendOffsets, endTxn - earlier.endTxn);
        }
    }

    private final LongSupplier acked;
    private final Gauge held;
    private final Gauge kept;
    private final Gauge waiting;
    private final Collection<Gauge> running;
    private final List<Metric> processed;
    private final List<Metric> commits;
    private final List<Metric> flush;
    private final List<Metric> sendOffsets;
    private final List<Metric> endTxn;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final long streamThreadId;
    private final boolean stacks;
    private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
    private final List<Sample> samples = new ArrayList<>();
    private final Thread sampler;
    private volatile boolean stop;

    private Timeline(LongSupplier acked, MeterRegistry registry, KafkaStreams lane, boolean stacks) {
        this.acked = acked;
        this.stacks = stacks;
        this.held = registry.find(MetricNames.LEASES_HELD).gauge();
        this.kept = registry.find(MetricNames.LEASES_KEPT).gauge();
        this.waiting = registry.find(MetricNames.ADMISSION_WAITING).gauge();
        this.running = registry.find(MetricNames.IN_FLIGHT).gauges();
        this.processed = AppMetrics.of(lane, "stream-thread-metrics", "process-total");
        this.commits = AppMetrics.of(lane, "stream-thread-metrics", "commit-total");
        this.flush = AppMetrics.of(lane, "producer-metrics", "flush-time-ns-total");
        this.sendOffsets = AppMetrics.of(lane, "producer-metrics", "txn-send-offsets-time-ns-total");
        this.endTxn = AppMetrics.of(lane, "producer-metrics", "txn-commit-time-ns-total");
        this.streamThreadId = streamThreadId(lane);
        this.sampler = new Thread(this::sample, "bench-timeline");
        this.sampler.setDaemon(true);
    }

    /**
     * Starts sampling; {@link #close()} stops. {@code acked}: task records acknowledged so far. Leases held and
     * waiting are NaN under local admission. {@code stacks}: whether to sample the stream thread's stack too,
     * which stops every thread of the JVM at a safepoint for each sample (about 3 % of the time).
     */
    static Timeline start(LongSupplier acked, MeterRegistry registry, KafkaStreams lane, boolean stacks) {
        Timeline t = new Timeline(acked, registry, lane, stacks);
        t.takeSample(); // before the caller goes on: the first window starts no later than what it then offers
        t.sampler.start();
        return t;
    }

    private void sample() {
        while (!stop) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PERIOD_MS));
            takeSample();
        }
    }

    private long streamThreadId(KafkaStreams lane) {
        Set<String> names = new HashSet<>();
        lane.metadataForLocalThreads().forEach(t -> names.add(t.threadName()));
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && names.contains(info.getThreadName())) {
                return info.getThreadId();
            }
        }
        return -1;
    }

    private Doing doing() {
        ThreadInfo info = !stacks || streamThreadId < 0 ? null : threads.getThreadInfo(streamThreadId, Integer.MAX_VALUE);
        return info == null ? Doing.OTHER : doing(info.getStackTrace());
    }

    /** The first step of the stream thread's loop found from the outermost frame in. */
    static Doing doing(StackTraceElement[] stack) {
        for (int i = stack.length - 1; i >= 0; i--) {
            String c = stack[i].getClassName();
            String m = stack[i].getMethodName();
            if (m.equals("maybeCommit") || c.endsWith(".TaskManager") && m.startsWith("commit")) {
                return Doing.COMMIT;
            }
            if (m.equals("pollPhase") || c.endsWith(".KafkaConsumer") && m.equals("poll")) {
                return Doing.POLL;
            }
            if (m.startsWith("punctuate") || m.equals("maybePunctuate")) {
                return Doing.PUNCTUATE;
            }
            if (c.endsWith(".StreamTask") && m.equals("process") || c.endsWith(".TaskExecutor") && m.equals("process")) {
                return Doing.PROCESS;
            }
        }
        return Doing.OTHER;
    }

    private void takeSample() {
        double keptNow = kept == null ? 0 : kept.value(); // none with admission held in the process
        Sample s = new Sample(System.currentTimeMillis(), acked.getAsLong(), value(held) - keptNow, keptNow,
                value(waiting), running.stream().mapToDouble(Gauge::value).sum(), AppMetrics.sum(processed),
                AppMetrics.sum(commits), doing(),
                new CommitNanos(AppMetrics.sum(flush), AppMetrics.sum(sendOffsets), AppMetrics.sum(endTxn)),
                streamThreadId < 0 ? 0 : Math.max(0, threads.getThreadCpuTime(streamThreadId)), gcMs());
        synchronized (samples) {
            samples.add(s);
        }
    }

    private long gcMs() {
        long total = 0;
        for (GarbageCollectorMXBean c : collectors) {
            total += Math.max(0, c.getCollectionTime());
        }
        return total;
    }

    private static double value(Gauge g) {
        return g == null ? Double.NaN : g.value();
    }

    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    @Override
    public void close() {
        stop = true;
        try {
            sampler.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Figures over the samples, for {@code permits} permits: {@code <prefix>PermitsHeld} (mean leases held for
     * tasks), {@code <prefix>PermitsKept} (mean leases kept with no task), {@code <prefix>PermitsIdleWhileWaiting}
     * (share of samples with a permit not held for a task while a request waited),
     * {@code <prefix>StalledShare} (share of the time with task records written and not yet processed in which
     * the stream threads processed no record), {@code <prefix>LongestStallMs} (the longest such stretch) and
     * {@code <prefix>GcMs} (the time this JVM spent collecting garbage over the samples). The pauses between
     * repeats, with nothing to process, are not stalls.
     */
    static Map<String, Object> figures(List<Sample> samples, int permits, String prefix) {
        double heldSum = 0;
        double keptSum = 0;
        int idleWhileWaiting = 0;
        long stalled = 0;
        long busy = 0;
        long longest = 0;
        long stallStart = -1;
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            heldSum += s.held();
            keptSum += s.kept();
            if (s.held() < permits && s.waiting() > 0) {
                idleWhileWaiting++;
            }
            if (i == 0) {
                continue;
            }
            Sample prev = samples.get(i - 1);
            // Task records the broker had acknowledged and the lane had not yet taken in.
            Sample first = samples.get(0);
            boolean behind = s.acked() - first.acked() > s.processed() - first.processed();
            if (behind || s.processed() != prev.processed()) {
                busy += s.atMs() - prev.atMs();
            }
            if (behind && s.processed() == prev.processed()) {
                stalled += s.atMs() - prev.atMs();
                if (stallStart < 0) {
                    stallStart = prev.atMs();
                }
                longest = Math.max(longest, s.atMs() - stallStart);
            } else {
                stallStart = -1;
            }
        }
        int n = samples.size();
        return Map.of(
                prefix + "PermitsHeld", n == 0 ? 0.0 : BenchRunner.round(heldSum / n, 1),
                prefix + "PermitsKept", n == 0 ? 0.0 : BenchRunner.round(keptSum / n, 1),
                prefix + "PermitsIdleWhileWaiting", n == 0 ? 0.0 : BenchRunner.round((double) idleWhileWaiting / n, 3),
                prefix + "StalledShare", busy == 0 ? 0.0 : BenchRunner.round((double) stalled / busy, 3),
                prefix + "LongestStallMs", longest,
                prefix + "GcMs", n == 0 ? 0L : samples.get(n - 1).gcMs() - samples.get(0).gcMs());
    }
}
