package dev.harvest.bench;

import dev.harvest.app.AppOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Workload parameters of {@code harvest bench}.
 *
 * @param tasks        tasks measured per scenario (after the warm-up)
 * @param warmup       tasks run first and not measured
 * @param latencyMs    handler latency L of the permit-bound scenario
 * @param permits      permits P of the permit-bound scenario (limit = P / L)
 * @param partitions   partitions of the lane topic
 * @param inFlightTasks tasks held in flight for the memory figure
 * @param guarantee    processing.guarantee
 * @param localAdmission hold keys and permits in the JVM instead of Redis (to isolate Redis's share)
 * @param streamThreads  stream threads per app of the pipeline under test
 * @param maxInFlight    the lane's maxInFlight; 0 for 8 × permits (at least 256): tasks queued for admission keep
 *                       every permit busy while the stream thread commits
 * @param brokerInProcess run the broker inside the benchmark's JVM instead of a JVM of its own
 * @param repeats        measurements per scenario after its warm-up: rates are their median, latencies and Redis
 *                       counts are taken over all of them
 * @param timeline       where to write the paced tasks' timeline as CSV ({@link Timeline}); null for none
 * @param settleSeconds  the longest a scenario's warm-up goes on after {@code warmup} tasks, until the JIT compilers
 *                       settle ({@link Warmup}); 0 for none
 * @param brokerJvmOptions JVM options for the broker's JVM after Kafka's start-script settings (a later option wins);
 *                       empty for none; only with the broker in a JVM of its own
 * @param target         a Kafka cluster and Redis to run against; null to start a broker and Redis of its own
 * @param dedupeWindow   the lane's dedupe window; above zero, every task carries an idempotency key (its id) and is
 *                       checked against the window's keys; zero (or null) for none, as a lane without keys
 */
public record BenchOptions(int tasks, int warmup, long latencyMs, int permits, int partitions, int inFlightTasks,
                           String guarantee, boolean localAdmission, int streamThreads, int maxInFlight,
                           boolean brokerInProcess, int repeats, Path timeline, int settleSeconds,
                           List<String> brokerJvmOptions, BenchTarget target, Duration dedupeWindow) {

    public BenchOptions {
        brokerJvmOptions = List.copyOf(brokerJvmOptions);
        dedupeWindow = dedupeWindow == null ? Duration.ZERO : dedupeWindow;
        if (dedupeWindow.isNegative()) {
            throw new IllegalArgumentException("--dedupe-window must not be negative, was " + dedupeWindow);
        }
        for (String option : brokerJvmOptions) {
            if (!option.startsWith("-")) {
                throw new IllegalArgumentException("--broker-jvm-options: '" + option + "' is not a JVM option");
            }
        }
        if (brokerInProcess && !brokerJvmOptions.isEmpty()) {
            throw new IllegalArgumentException("--broker-jvm-options needs the broker in a JVM of its own,"
                    + " not --broker-in-process");
        }
        if (target != null && (brokerInProcess || !brokerJvmOptions.isEmpty())) {
            throw new IllegalArgumentException((brokerInProcess ? "--broker-in-process" : "--broker-jvm-options")
                    + " is for the broker the benchmark starts, not for a cluster of its own (--bootstrap, --topology)");
        }
    }

    /**
     * With the default stream threads per app and maxInFlight, the broker in a JVM of its own, one measurement, no
     * warm-up beyond {@code warmup}.
     */
    public BenchOptions(int tasks, int warmup, long latencyMs, int permits, int partitions, int inFlightTasks,
                        String guarantee, boolean localAdmission) {
        this(tasks, warmup, latencyMs, permits, partitions, inFlightTasks, guarantee, localAdmission,
                AppOptions.DEFAULT_STREAM_THREADS, 0, false, 1, null, 0, List.of(), null, Duration.ZERO);
    }

    /**
     * These options for {@code n} tasks in flight at once: {@code n} permits and maxInFlight, one measurement, no
     * timeline and no settling.
     */
    BenchOptions withInFlight(int n) {
        return new BenchOptions(tasks, warmup, latencyMs, n, partitions, n, guarantee, localAdmission, streamThreads, n,
                brokerInProcess, 1, null, 0, brokerJvmOptions, target, dedupeWindow);
    }

    /** {@link #settleSeconds} as a duration. */
    public Duration settle() {
        return Duration.ofSeconds(settleSeconds);
    }

    /** The lane's maxInFlight for the scenarios. */
    public int laneMaxInFlight() {
        return maxInFlight > 0 ? maxInFlight : Math.max(256, permits * 8);
    }
}
