package dev.harvest.client;

import java.time.Duration;
import java.util.Objects;

/**
 * What {@link HarvestProducer#submit} does when the lane's lag is above its {@code maxBacklog}: fail at once with
 * {@link LaneBacklogFullException}, or wait up to {@code maxWait} for the lag to drop and fail only then.
 */
public record Backpressure(Duration maxWait) {

    public Backpressure {
        Objects.requireNonNull(maxWait, "maxWait");
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must not be negative");
        }
    }

    /** Refuse at once. */
    public static Backpressure failFast() {
        return new Backpressure(Duration.ZERO);
    }

    /** Wait up to {@code maxWait} for the backlog to drop. */
    public static Backpressure block(Duration maxWait) {
        return new Backpressure(maxWait);
    }

    public boolean blocks() {
        return !maxWait.isZero();
    }
}
