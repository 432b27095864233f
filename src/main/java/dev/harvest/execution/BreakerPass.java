package dev.harvest.execution;

import dev.harvest.task.TaskOutcome;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Leave to make one call through a {@link HandlerBreaker}. Exactly one of {@link #record} (the call was made)
 * and {@link #release} (it was not) takes effect; later calls are ignored.
 */
public final class BreakerPass {

    private static final BreakerPass NONE = new BreakerPass(null);

    private final HandlerBreaker breaker;
    private final AtomicBoolean used = new AtomicBoolean();

    BreakerPass(HandlerBreaker breaker) {
        this.breaker = breaker;
    }

    /** The pass of a handler without a breaker: records nothing. */
    public static BreakerPass none() {
        return NONE;
    }

    /** The call was made and ended with {@code outcome} after {@code nanos}. */
    public void record(TaskOutcome outcome, long nanos) {
        if (breaker != null && used.compareAndSet(false, true)) {
            breaker.record(outcome, nanos);
        }
    }

    /** The call was not made (no admission, cancelled, answered from the ledger). */
    public void release() {
        if (breaker != null && used.compareAndSet(false, true)) {
            breaker.release();
        }
    }
}
