package dev.harvest.lease.redis;

import dev.harvest.lease.AdmissionTimeoutException;
import dev.harvest.lease.AdmissionUnavailableException;
import dev.harvest.lease.Lease;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Settles admission requests: each {@link Waiter} gets exactly one of a lease, "nothing free" or a failure,
 * delivered on the callback executor. Whoever loses the race to settle a waiter gives back what it carried, and a
 * waiter that gave up while a grant may exist under its lease id (a lost reply) has that grant cancelled.
 */
final class Settlement implements AcquireBatcher.Outcomes {

    private final AdmissionSetup setup;
    private final AdmissionOptions options;
    private final HeldLeases held;
    private final LeaseReuse reuse;
    private final Executor callbacks;
    private final PoolSync pools;
    private final WaitPaths paths;
    private final BooleanSupplier closed;
    private final Consumer<Lease> giveBackUnused;
    /** Set once by {@link #bind}, before the first request: the acquire batcher is built with this as its outcomes. */
    private AcquireBatcher acquirer;
    private ReleaseBatcher releaser;

    /**
     * @param closed         true once the admission control is closing: a grant that arrives then goes back
     * @param giveBackUnused releases a lease that was never used, refunding its reservation
     */
    Settlement(AdmissionSetup setup, AdmissionOptions options, HeldLeases held, LeaseReuse reuse, Executor callbacks,
               PoolSync pools, WaitPaths paths, BooleanSupplier closed, Consumer<Lease> giveBackUnused) {
        this.setup = setup;
        this.options = options;
        this.held = held;
        this.reuse = reuse;
        this.callbacks = callbacks;
        this.pools = pools;
        this.paths = paths;
        this.closed = closed;
        this.giveBackUnused = giveBackUnused;
    }

    void bind(AcquireBatcher acquirer, ReleaseBatcher releaser) {
        this.acquirer = acquirer;
        this.releaser = releaser;
    }

    @Override
    public void granted(Waiter w, Lease lease) {
        // A grant nobody takes (the waiter timed out or went away) was never used: its reservation is refunded.
        if (w.settle() && !closed.getAsBoolean()) {
            held.track(lease, w.ttlMillis, w.request.lane().name());
            reuse.granted(lease, w.waitClass);
            paths.grantedByRedis(w);
            w.deliver(callbacks, lease, giveBackUnused);
        } else {
            giveBackUnused.accept(lease);
        }
    }

    @Override
    public void nothingFree(Waiter w) {
        if (w.settle()) {
            w.deliver(callbacks, null, lease -> { });
        }
    }

    @Override
    public void failed(Waiter w, RuntimeException error) {
        if (w.settle()) {
            if (w.uncertain) {
                cancel(w.leaseId);
            }
            w.deliverFailure(callbacks, error);
        }
    }

    @Override
    public void abandoned(Waiter w) {
        cancel(w.leaseId);
    }

    @Override
    public void syncNeeded() {
        pools.restore(acquirer::resume);
    }

    /** The request's longest wait passed: it fails, as unavailable when Redis failed meanwhile, else as timed out. */
    void timedOut(Waiter w, Duration maxWait) {
        if (!w.settle()) {
            return;
        }
        abandon(w);
        RuntimeException last = w.lastError;
        w.deliverFailure(callbacks, last != null
                ? new AdmissionUnavailableException("redis unavailable while waiting for " + w.describeNeed(), last)
                : new AdmissionTimeoutException(w.describeNeed(), maxWait));
    }

    /** The waiter gave up: take it out of the queue and cancel any grant a lost reply may have carried. */
    void abandon(Waiter w) {
        acquirer.remove(w);
        if (w.uncertain) {
            cancel(w.leaseId);
        }
    }

    /** Gives back a grant its waiter never received: nothing was done with it, so its reservation is refunded. */
    private void cancel(String leaseId) {
        releaser.release(leaseId, "*", "0", setup.shortestTtl(options.keyOnlyLeaseTtl()).toNanos());
    }
}
