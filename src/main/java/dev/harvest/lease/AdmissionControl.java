package dev.harvest.lease;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Grants a task a key and a permit together, or neither. Implementations are thread-safe and never block the
 * caller: every call returns a stage completed later.
 */
public interface AdmissionControl extends AutoCloseable {

    /** One attempt, no waiting: the lease, or empty when nothing is free now. */
    CompletionStage<Optional<Lease>> tryAcquire(AdmissionRequest request);

    /**
     * Waits for a lease up to {@code maxWait}; waiting requests are granted in lane-priority order (then FIFO).
     * The stage fails with {@link AdmissionTimeoutException} when the wait runs out.
     */
    CompletionStage<Lease> acquire(AdmissionRequest request, Duration maxWait);

    /** Gives a lease back, keeping the cost reserved at admission as what the task cost. */
    default CompletionStage<Void> release(Lease lease) {
        return release(lease, null);
    }

    /**
     * Gives a lease back and settles its cost: {@code actualCost} (when not null) replaces the cost reserved at
     * admission in the key's budget window, refunding the difference or charging the extra; {@code 0} refunds it
     * all (the task never reached the provider). Idempotent; a lease that was already lost or released changes
     * nothing, and its reservation stands.
     */
    CompletionStage<Void> release(Lease lease, Double actualCost);

    /**
     * As {@link #release(Lease, Double)}; {@code callEnded} false when the task's call may still be running at
     * the provider (it timed out or was cancelled), so the lease must not serve another task of this instance
     * before the cluster frees it. Implementations that hand leases on inside an instance honour it.
     */
    default CompletionStage<Void> release(Lease lease, Double actualCost, boolean callEnded) {
        return release(lease, actualCost);
    }

    /**
     * The provider rate-limited the lease's key: no one in the cluster gets that key for {@code retryAfter}
     * or the pool's {@code cooldownOn429}, whichever is longer.
     */
    CompletionStage<Void> cooldown(Lease lease, Duration retryAfter);

    /**
     * True while the holder may still rely on the lease (renewals kept its local deadline ahead of now).
     */
    boolean isHeld(Lease lease);

    @Override
    void close();
}
