package dev.harvest.bench;

import dev.harvest.metrics.MetricNames;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where the paced tasks' time went, on average, from the app's own timers over a stretch of the run: how long a
 * task waited for a lease and permit, ran in its handler, and spent in transit (reaching its lane's processor,
 * and from its handler's end to its result record). Means, not percentiles: the stages of the slowest tasks are
 * not those of the mean one, but the means add up to the mean end-to-end latency, which shows which stage a
 * change should go after.
 */
final class StageTimes {

    private static final List<String> TIMERS = List.of(MetricNames.ADMISSION_WAIT, MetricNames.TASK_DURATION);

    private final MeterRegistry registry;
    private final long[] counts = new long[TIMERS.size()];
    private final double[] totalsMs = new double[TIMERS.size()];

    private StageTimes(MeterRegistry registry) {
        this.registry = registry;
        snapshot(counts, totalsMs);
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
        long[] c = new long[TIMERS.size()];
        double[] t = new double[TIMERS.size()];
        snapshot(c, t);
        double[] mean = new double[TIMERS.size()];
        for (int i = 0; i < mean.length; i++) {
            long n = c[i] - counts[i];
            mean[i] = n == 0 ? 0 : (t[i] - totalsMs[i]) / n;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(prefix + "AdmissionMs", BenchRunner.round(mean[0], 1));
        out.put(prefix + "HandlerMs", BenchRunner.round(mean[1], 1));
        out.put(prefix + "TransitMs", BenchRunner.round(meanLatencyMs - mean[0] - mean[1], 1));
        return out;
    }

    private void snapshot(long[] c, double[] t) {
        for (int i = 0; i < TIMERS.size(); i++) {
            for (Timer timer : registry.find(TIMERS.get(i)).timers()) {
                c[i] += timer.count();
                t[i] += timer.totalTime(TimeUnit.MILLISECONDS);
            }
        }
    }
}
