package dev.harvest.bench;

import dev.harvest.metrics.MetricNames;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Where the paced tasks' time went, on average, from the app's own timers over a stretch of the run: how long a
 * task waited for a lease and permit, ran in its handler, and spent in transit (reaching its lane's processor,
 * and from its handler's end to its result record). Means add up to the mean end-to-end latency, which shows
 * which stage a change should go after; each timed stage's p99 shows whether the tail is in it (transit has no
 * timer of its own, so no p99).
 */
final class StageTimes {

    /**
     * A timer's count, total time and histogram (each bucket's upper bound in ms and the count at or below it, since
     * the app started: the Prometheus registry's histograms do not decay), summed over its tags.
     */
    private record Totals(long count, double ms, NavigableMap<Double, Double> buckets) {

        static Totals of(MeterRegistry registry, String timer) {
            return of(registry.find(timer).timers());
        }

        static Totals of(Collection<Timer> timers) {
            long count = 0;
            double ms = 0;
            NavigableMap<Double, Double> buckets = new TreeMap<>();
            for (Timer t : timers) {
                HistogramSnapshot snapshot = t.takeSnapshot();
                count += snapshot.count();
                ms += snapshot.total(TimeUnit.MILLISECONDS);
                for (CountAtBucket b : snapshot.histogramCounts()) {
                    buckets.merge(b.bucket(TimeUnit.MILLISECONDS), b.count(), Double::sum);
                }
            }
            return new Totals(count, ms, buckets);
        }

        /** The mean of what was recorded since {@code before}; zero when nothing was. */
        double meanSince(Totals before) {
            long n = count - before.count;
            return n == 0 ? 0 : (ms - before.ms) / n;
        }

        /**
         * The bound of the first histogram bucket that holds {@code pct} % of what was recorded since {@code before}
         * (an upper bound of that percentile, as close as the buckets are; the last bound if beyond them); zero
         * when nothing was.
         */
        double percentileSince(Totals before, double pct) {
            long n = count - before.count;
            if (n == 0 || buckets.isEmpty()) {
                return 0;
            }
            for (Map.Entry<Double, Double> b : buckets.entrySet()) {
                if (b.getValue() - before.buckets.getOrDefault(b.getKey(), 0.0) >= pct / 100 * n) {
                    return b.getKey();
                }
            }
            return buckets.lastKey();
        }
    }

    private static final List<String> PATHS = List.of("handed-over", "first-call", "after-refusal");

    private final MeterRegistry registry;
    private final Totals admission;
    private final Totals handler;
    private final Map<String, Totals> paths;

    private StageTimes(MeterRegistry registry) {
        this.registry = registry;
        this.admission = Totals.of(registry, MetricNames.ADMISSION_WAIT);
        this.handler = Totals.of(registry, MetricNames.TASK_DURATION);
        this.paths = paths(registry);
    }

    /** The Redis admission's waits by path ({@code WaitPaths}); none with admission held in the process. */
    private static Map<String, Totals> paths(MeterRegistry registry) {
        Map<String, Totals> out = new TreeMap<>();
        for (String path : PATHS) {
            out.put(path, Totals.of(registry.find(MetricNames.ADMISSION_REDIS_WAIT).tag("path", path).timers()));
        }
        return out;
    }

    /** Starts counting from the timers' present totals. */
    static StageTimes from(MeterRegistry registry) {
        return new StageTimes(registry);
    }

    /**
     * {@code <prefix>AdmissionMs} (from the lane's processor to a granted lease and permit), {@code
     * <prefix>HandlerMs} and {@code <prefix>TransitMs} (the rest of {@code meanLatencyMs}: from the task record to
     * the lane's processor, and from the handler's end to the result record), each a mean over the tasks since
     * {@link #from}; {@code <prefix>AdmissionP99Ms} and {@code <prefix>HandlerP99Ms}, the p99 of the first two over
     * the same tasks, from the timers' histograms (the bound of the bucket that holds it).
     *
     * @param meanLatencyMs the same tasks' mean latency from the task record to the result record
     */
    Map<String, Object> figures(String prefix, double meanLatencyMs) {
        Totals admissionNow = Totals.of(registry, MetricNames.ADMISSION_WAIT);
        Totals handlerNow = Totals.of(registry, MetricNames.TASK_DURATION);
        double admissionMs = admissionNow.meanSince(admission);
        double handlerMs = handlerNow.meanSince(handler);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(prefix + "AdmissionMs", BenchRunner.round(admissionMs, 1));
        out.put(prefix + "HandlerMs", BenchRunner.round(handlerMs, 1));
        out.put(prefix + "TransitMs", BenchRunner.round(meanLatencyMs - admissionMs - handlerMs, 1));
        out.put(prefix + "AdmissionP99Ms", BenchRunner.round(admissionNow.percentileSince(admission, 99), 1));
        out.put(prefix + "HandlerP99Ms", BenchRunner.round(handlerNow.percentileSince(handler, 99), 1));
        out.putAll(waitPaths(prefix));
        return out;
    }

    /**
     * With Redis admission, for each way a lease came ({@code HandedOver}, {@code FirstCall}, {@code AfterRefusal}):
     * {@code <prefix><Path>Share} of the grants and {@code <prefix><Path>WaitMs}, their mean wait inside the
     * admission; nothing when no request went through Redis admission.
     */
    private Map<String, Object> waitPaths(String prefix) {
        Map<String, Totals> now = paths(registry);
        Map<String, Long> counts = new LinkedHashMap<>();
        PATHS.forEach(path -> counts.put(path, now.get(path).count() - paths.get(path).count()));
        long grants = counts.values().stream().mapToLong(Long::longValue).sum();
        Map<String, Object> out = new LinkedHashMap<>();
        if (grants == 0) {
            return out;
        }
        for (String path : PATHS) {
            String name = prefix + camel(path);
            out.put(name + "Share", BenchRunner.round((double) counts.get(path) / grants, 3));
            out.put(name + "WaitMs", BenchRunner.round(now.get(path).meanSince(paths.get(path)), 1));
        }
        return out;
    }

    /** {@code handed-over} → {@code HandedOver}. */
    private static String camel(String path) {
        StringBuilder b = new StringBuilder();
        for (String part : path.split("-")) {
            b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return b.toString();
    }
}
