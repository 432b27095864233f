package dev.harvest.execution;

import dev.harvest.task.TaskOutcome;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Leave to make one call through a {@link HandlerBreaker}. Exactly one of {@link #record} (the call was made)
 * and {@link #release} (it was not) takes effect; later calls are ignored, and so are both once the breaker
 * changed state after the pass was given (the pass belongs to a window that has ended).
 */
public final class BreakerPass {

    private static final BreakerPass NONE = new BreakerPass(null, 0);

    private final HandlerBreaker breaker;
    private final long generation;
    private final AtomicBoolean used = new AtomicBoolean();

    BreakerPass(HandlerBreaker breaker, long generation) {
        this.breaker = breaker;
        this.generation = generation;
    }

    /** The pass of a handler without a breaker: records nothing. */
    public static BreakerPass none() {
        return NONE;
    }

    /** The call was made and ended with {@code outcome} after {@code nanos}. */
    public void record(TaskOutcome outcome, long nanos) {
        if (isCurrent() && used.compareAndSet(false, true)) {
            breaker.record(outcome, nanos);
        }
    }

    /** Cancels {@code admission} if the breaker opens while the task waits for its key and permit. */
    void guard(CompletableFuture<?> admission) {
        if (breaker != null) {
            breaker.cancelOnOpen(admission);
        }
    }

    /** True when the breaker left the state it let this task in with, and is not closed now. */
    boolean turnedAway() {
        return breaker != null && !isCurrent() && breaker.state() != HandlerBreaker.State.CLOSED;
    }

    private boolean isCurrent() {
        return breaker != null && breaker.generation() == generation;
    }

    /** The call was not made (no admission, cancelled, answered from the ledger). */
    public void release() {
        if (isCurrent() && used.compareAndSet(false, true)) {
            breaker.release();
        }
    }
}
