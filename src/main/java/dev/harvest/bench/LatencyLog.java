package dev.harvest.bench;

import dev.harvest.app.OutcomeCollector;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * The benchmark's tasks' outcomes as it needs them: for a task {@code <series>-<index>} (such as {@code p0-17}),
 * whether it ended and its two latencies, kept in arrays per series. The reader of the results runs in the app's
 * JVM here, unlike in production; an object per outcome would live through the whole scenario, and the app's
 * young collections would copy those again and again (some 20 MB in each at 8,000 tasks a second, which made each
 * pause several times longer). So each poll's outcomes are moved out of the collector into the arrays.
 */
final class LatencyLog {

    /** A task's end-to-end latency to its outcome record, with the series and index of its key. */
    record Entry(String series, int index, long latencyMs) {
    }

    private static final class Series {
        private final BitSet ended = new BitSet();
        private int[] latency = new int[0];
        private int[] read = new int[0];

        void put(int index, long latencyMs, long readMs) {
            if (index >= latency.length) {
                int size = Math.max(index + 1, latency.length * 2);
                latency = Arrays.copyOf(latency, size);
                read = Arrays.copyOf(read, size);
            }
            latency[index] = (int) Math.min(Integer.MAX_VALUE, latencyMs);
            read[index] = (int) Math.min(Integer.MAX_VALUE, readMs);
            ended.set(index);
        }
    }

    private final OutcomeCollector collector;
    private final Map<String, Series> series = new LinkedHashMap<>();
    private int count;

    LatencyLog(OutcomeCollector collector) {
        this.collector = collector;
    }

    /** Polls the collector once for up to {@code timeout} and takes what it read. */
    void poll(Duration timeout) {
        collector.poll(timeout);
        for (OutcomeCollector.Outcome x : collector.outcomes().values()) {
            add(x.key(), x.latencyMs(), x.readMs());
        }
        collector.outcomes().clear();
    }

    /** Records a task's outcome; a key seen before, or not of the form {@code <series>-<index>}, counts once. */
    void add(String key, long latencyMs, long readMs) {
        int dash = key.lastIndexOf('-');
        int index = dash < 1 ? -1 : parseIndex(key, dash + 1);
        if (index < 0) {
            count++;
            return;
        }
        Series s = series.computeIfAbsent(key.substring(0, dash), k -> new Series());
        if (!s.ended.get(index)) {
            count++;
            s.put(index, latencyMs, readMs);
        }
    }

    private static int parseIndex(String key, int from) {
        if (from >= key.length() || key.length() - from > 9) {
            return -1;
        }
        int v = 0;
        for (int i = from; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Tasks with an outcome since the start or the last {@link #clear()}. */
    int count() {
        return count;
    }

    void clear() {
        series.clear();
        count = 0;
    }

    /** Latencies to the outcome record of the tasks of every series starting with {@code prefix}; none negative. */
    LongStream latencies(String prefix) {
        return values(prefix, false);
    }

    /** Latencies until the outcome was read, likewise. */
    LongStream reads(String prefix) {
        return values(prefix, true);
    }

    /** Latencies to the outcome record of the tasks of the series {@code name} alone; none negative. */
    LongStream latenciesOf(String name) {
        Series s = series.get(name);
        return s == null ? LongStream.empty() : valuesOf(s, false);
    }

    private LongStream values(String prefix, boolean read) {
        return seriesOf(prefix).flatMapToLong(e -> valuesOf(e.getValue(), read));
    }

    private static LongStream valuesOf(Series s, boolean read) {
        int[] v = read ? s.read : s.latency;
        return s.ended.stream().mapToLong(i -> v[i]).filter(x -> x >= 0);
    }

    /** Each task of a series starting with {@code prefix} that has a latency. */
    List<Entry> entries(String prefix) {
        return seriesOf(prefix).flatMap(e -> {
            Series s = e.getValue();
            return s.ended.stream().filter(i -> s.latency[i] >= 0).mapToObj(i -> new Entry(e.getKey(), i, s.latency[i]));
        }).toList();
    }

    private Stream<Map.Entry<String, Series>> seriesOf(String prefix) {
        return series.entrySet().stream().filter(e -> e.getKey().startsWith(prefix));
    }
}
