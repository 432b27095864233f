package dev.harvest.app;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/** Waits until every produced task has an outcome, reporting per-lane progress while it waits. */
final class DrainWatcher {

    private final OutcomeCollector collector;
    private final DemoRunner.Listener listener;

    DrainWatcher(OutcomeCollector collector, DemoRunner.Listener listener) {
        this.collector = collector;
        this.listener = listener;
    }

    /** True when all {@code expected} tasks ended before {@code timeout}. */
    boolean awaitDrained(long expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextReport = System.nanoTime();
        while (collector.outcomes().size() < expected && System.nanoTime() < deadline) {
            collector.poll(Duration.ofMillis(100));
            if (System.nanoTime() >= nextReport) {
                listener.progress(endedPerLane());
                nextReport = System.nanoTime() + Duration.ofMillis(250).toNanos();
            }
        }
        // A short grace period catches duplicate outcomes that would arrive after the last expected one.
        collector.poll(Duration.ofMillis(500));
        listener.progress(endedPerLane());
        return collector.outcomes().size() >= expected;
    }

    private Map<String, Long> endedPerLane() {
        Map<String, Long> ended = new TreeMap<>();
        collector.outcomes().values().forEach(o -> ended.merge(o.lane() == null ? "?" : o.lane(), 1L, Long::sum));
        return ended;
    }
}
