package dev.harvest.app.dlq;

import java.time.Instant;

/**
 * Which dead letters to select. Null fields match everything.
 *
 * @param reason the {@code harvest.dlq.reason}, e.g. {@code max-attempts}
 * @param lane   the lane that dead-lettered the task
 * @param since  only dead letters that failed at or after this instant
 * @param limit  at most this many (the oldest first); 0 for no limit
 * @param until  only dead letters that failed at or before this instant
 */
public record DeadLetterFilter(String reason, String lane, Instant since, int limit, Instant until) {

    public DeadLetterFilter {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative, was " + limit);
        }
    }

    /** Without an upper bound on the failure time. */
    public DeadLetterFilter(String reason, String lane, Instant since, int limit) {
        this(reason, lane, since, limit, null);
    }

    /** Every dead letter. */
    public static DeadLetterFilter all() {
        return new DeadLetterFilter(null, null, null, 0, null);
    }

    public DeadLetterFilter withReason(String newReason) {
        return new DeadLetterFilter(newReason, lane, since, limit, until);
    }

    public DeadLetterFilter withLane(String newLane) {
        return new DeadLetterFilter(reason, newLane, since, limit, until);
    }

    public DeadLetterFilter withSince(Instant newSince) {
        return new DeadLetterFilter(reason, lane, newSince, limit, until);
    }

    public DeadLetterFilter withLimit(int newLimit) {
        return new DeadLetterFilter(reason, lane, since, newLimit, until);
    }

    public DeadLetterFilter withUntil(Instant newUntil) {
        return new DeadLetterFilter(reason, lane, since, limit, newUntil);
    }

    /** Whether {@code d} passes the reason, lane, since and until conditions (the limit is applied by the reader). */
    public boolean matches(DeadLetter d) {
        return (reason == null || reason.equals(d.reason()))
                && (lane == null || lane.equals(d.lane()))
                && (since == null || !d.failedAt().isBefore(since))
                && (until == null || !d.failedAt().isAfter(until));
    }
}
