package dev.harvest.execution;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the work a crash of this instance makes run twice by the leases it holds.
 *
 * <p>A completed task is recorded in the idempotency ledger without making anyone wait, and its lease normally goes
 * back at once, so the next task's call starts while the write is on its way. Should the instance die before the
 * write lands, the task's next owner calls the provider again. While as many completed tasks are released and not
 * yet recorded as the dispatcher's attempts hold leases, a further completion keeps its lease until its own write
 * lands. So a crash repeats at most twice the leases held: the calls running or waiting for their write (each with
 * its lease) and at most as many released ones. Normally a write lands long before that many tasks complete, and
 * no lease waits.
 */
final class UnrecordedCompletions {

    private final Executor executor;
    /** Leases held by the dispatcher's attempts (granted and not yet given back). */
    private final AtomicInteger leases = new AtomicInteger();
    /** Completed tasks whose lease went back before their ledger write landed. */
    private final AtomicInteger released = new AtomicInteger();

    /** @param executor where a release that waited for its write runs (not the ledger's I/O thread) */
    UnrecordedCompletions(Executor executor) {
        this.executor = executor;
    }

    /** An attempt got a lease that holds a key or a permit. */
    void granted() {
        leases.incrementAndGet();
    }

    /** An attempt gave its lease back. */
    void returned() {
        leases.decrementAndGet();
    }

    /**
     * Gives a completed task's lease back ({@code release}, which ends in {@link #returned()}) now, or once
     * {@code write}, its ledger write, has landed or failed.
     */
    void releaseAfter(CompletableFuture<?> write, Runnable release) {
        if (write.isDone()) {
            release.run();
        } else if (tryReleaseEarly()) {
            release.run();
            write.whenComplete((v, e) -> released.decrementAndGet());
        } else {
            write.whenComplete((v, e) -> {
                try {
                    executor.execute(release);
                } catch (RejectedExecutionException stopping) {
                    release.run();
                }
            });
        }
    }

    private boolean tryReleaseEarly() {
        while (true) {
            int n = released.get();
            if (n >= leases.get()) {
                return false;
            }
            if (released.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }
}
