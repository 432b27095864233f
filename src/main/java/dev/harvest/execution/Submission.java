package dev.harvest.execution;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A handle on one submitted attempt. {@link #cancel()} stops it wherever it is (queued at the lane gate,
 * waiting for admission, or running), gives its lease back at once, and suppresses its completion: used when
 * the partition it belongs to is revoked or the app shuts down, so the new owner re-runs it from the store.
 */
public final class Submission {

    private final AtomicBoolean cancelled = new AtomicBoolean();
    private volatile boolean started;
    private final List<CompletableFuture<?>> stages = new CopyOnWriteArrayList<>();

    /** Stops the attempt; idempotent. */
    public void cancel() {
        if (cancelled.compareAndSet(false, true)) {
            stages.forEach(stage -> stage.cancel(true));
        }
    }

    public boolean isCancelled() {
        return cancelled.get();
    }

    /** True once the attempt holds its admission and calls (or skips, if recorded) the handler. */
    public boolean isStarted() {
        return started;
    }

    void markStarted() {
        started = true;
    }

    /** Records a stage the attempt waits on; cancels it at once if the attempt was cancelled meanwhile. */
    void track(CompletableFuture<?> stage) {
        stages.removeIf(CompletableFuture::isDone);
        stages.add(stage);
        if (cancelled.get()) {
            stage.cancel(true);
        }
    }
}
