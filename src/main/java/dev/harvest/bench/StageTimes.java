package dev.harvest.bench;

import dev.harvest.metrics.MetricNames;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Where the paced tasks' time went, on average, from the app's own timers over a stretch of the run: how long a
 * task waited for a lease and permit, ran in its handler, and spent in transit (reaching its lane's processor,
 * and from its handler's end to its result record). Means, not percentiles: the stages of the slowest tasks are
 * not those of the mean one, but the means add up to the mean end-to-end latency, which shows which stage a
 * change should go after.
 */
final class StageTimes {

    /** A timer's count and total time, summed over its tags. */
    private record Totals(long count, double ms) {

        static Totals of(MeterRegistry registry, String timer) {
            return of(registry.find(timer).timers());
        }

        static Totals of(Collection<Timer> timers) {
            long count = 0;
            double ms = 0;
            for (Timer t : timers) {
                count += t.count();
                ms += t.totalTime(TimeUnit.MILLISECONDS);
            }
            return new Totals(count, ms);
        }

        /** The mean of what was recorded since {@code before}; zero when nothing was. */
        double meanSince(Totals before) {
            long n = count - before.count;
            return n == 0 ? 0 : (ms - before.ms) / n;
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
     * {@link #from}.
     *
     * @param meanLatencyMs the same tasks' mean latency from the task record to the result record
     */
    Map<String, Object> figures(String prefix, double meanLatencyMs) {
        double admissionMs = Totals.of(registry, MetricNames.ADMISSION_WAIT).meanSince(admission);
        double handlerMs = Totals.of(registry, MetricNames.TASK_DURATION).meanSince(handler);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(prefix + "AdmissionMs", BenchRunner.round(admissionMs, 1));
        out.put(prefix + "HandlerMs", BenchRunner.round(handlerMs, 1));
        out.put(prefix + "TransitMs", BenchRunner.round(meanLatencyMs - admissionMs - handlerMs, 1));
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
