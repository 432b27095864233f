package dev.harvest.execution;

import dev.harvest.lease.IdempotencyLedger;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private static final Logger LOG = LoggerFactory.getLogger(UnrecordedCompletions.class);

    private final IdempotencyLedger ledger;
    private final Executor executor;
    /** Leases held by the dispatcher's attempts (granted and not yet given back). */
    private final AtomicInteger leases = new AtomicInteger();
    /** Completed tasks whose lease went back before their ledger write landed. */
    private final AtomicInteger released = new AtomicInteger();

    /** @param executor where a release that waited for its write runs (not the ledger's I/O thread) */
    UnrecordedCompletions(IdempotencyLedger ledger, Executor executor) {
        this.ledger = ledger;
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
     * Records a completed task in the ledger and gives its lease back ({@code release}, which ends in
     * {@link #returned()}) now, or once the write has landed or failed.
     */
    void recordThenRelease(String taskId, String resultJson, Runnable release) {
        CompletableFuture<Void> write = record(taskId, resultJson);
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

    /** The ledger write of a completed task; it completes, never exceptionally, when the write ends. */
    private CompletableFuture<Void> record(String taskId, String resultJson) {
        CompletableFuture<Void> write;
        try {
            write = ledger.record(taskId, resultJson).toCompletableFuture();
        } catch (RuntimeException e) {
            write = CompletableFuture.failedFuture(e);
        }
        return write.exceptionally(e -> {
            LOG.debug("ledger write for task {} failed: {}", taskId, e.toString());
            return null;
        });
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
