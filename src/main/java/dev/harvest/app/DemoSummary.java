package dev.harvest.app;

import java.util.Map;

/**
 * What a demo or benchmark run measured. {@code lost = produced - completed - deadLettered} once drained.
 *
 * @param retried number of retries (attempts after the first) over all tasks
 * @param byLane  per lane: completed, retried, deadLettered, p50Ms, p95Ms, p99Ms
 */
public record DemoSummary(long produced, long completed, long deadLettered, long retried, long lost,
                          long duplicateOutcomes, double throughputPerSec, long p50Ms, long p95Ms, long p99Ms,
                          double seconds, Map<String, Map<String, Long>> byLane,
                          Map<String, Long> deadLettersByReason, Map<String, Object> extra) {
}
