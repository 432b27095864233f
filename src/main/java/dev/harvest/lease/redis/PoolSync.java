package dev.harvest.lease.redis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Writes the pipeline file's key pools and permit semaphores into Redis (live leases are kept). Concurrent syncs
 * share one script call. After Redis lost them (it restarted empty), {@link #restore} also writes back the leases
 * this instance holds before admissions go on.
 */
final class PoolSync {

    private final AdmissionScripts scripts;
    private final AdmissionSetup setup;
    private final HeldLeases held;
    private final ScheduledExecutorService timer;
    private final AtomicReference<CompletableFuture<Void>> syncing = new AtomicReference<>();

    PoolSync(AdmissionScripts scripts, AdmissionSetup setup, HeldLeases held, ScheduledExecutorService timer) {
        this.scripts = scripts;
        this.setup = setup;
        this.held = held;
        this.timer = timer;
    }

    /** Syncs the pipeline's pools and semaphores into Redis; concurrent calls share one script call. */
    CompletionStage<Void> sync() {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> running = syncing.compareAndExchange(null, mine);
        if (running != null) {
            return running;
        }
        scripts.sync(setup).whenComplete((reply, failure) -> {
            syncing.set(null);
            if (failure == null) {
                mine.complete(null);
            } else {
                mine.completeExceptionally(AdmissionScripts.translate(failure));
            }
        });
        return mine;
    }

    /**
     * Redis does not know a pool or semaphore: syncs, writes the held leases back, then runs {@code resume} on the
     * timer; after a failed sync it resumes a little later, and the next acquire call finds out again.
     */
    void restore(Runnable resume) {
        sync().whenComplete((v, failure) -> {
            if (failure != null) {
                timer.schedule(resume, 200, TimeUnit.MILLISECONDS);
                return;
            }
            // Redis may have restarted empty: write this instance's running leases back, and ask for more
            // only once Redis has them, or a key could be granted above its cap.
            held.writeBack().whenComplete((w, e) -> timer.schedule(resume, 0, TimeUnit.MILLISECONDS));
        });
    }
}
