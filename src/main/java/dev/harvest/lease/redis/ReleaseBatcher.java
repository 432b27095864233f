package dev.harvest.lease.redis;

import dev.harvest.lease.AdmissionUnavailableException;
import dev.harvest.redis.ScriptReply;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Releases, batched like acquisitions: one release call in flight, the next one carries every release that
 * queued meanwhile. When polling, the acquire side is woken right after a call is <em>sent</em>: commands on one
 * connection run in order, so an acquire sent next already sees the freed capacity. A release that fails because
 * Redis is unreachable is retried with backoff until the lease would have expired anyway.
 */
final class ReleaseBatcher {

    private static final long BACKOFF_MIN = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long BACKOFF_MAX = TimeUnit.SECONDS.toNanos(1);

    private record Pending(String leaseId, String token, String actualCost, long giveUpAt, CompletableFuture<Void> done) {
    }

    private final AdmissionScripts scripts;
    private final int maxBatch;
    private final LongSupplier ticker;
    private final ScheduledExecutorService timer;
    private final Executor callbacks;
    private final Runnable afterSend;

    private final Object lock = new Object();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private boolean inFlight;
    private boolean paused;
    private long backoff = BACKOFF_MIN;

    /**
     * @param afterSend runs after each release call was handed to the connection (wakes local waiters when
     *                  polling; with pub/sub the release names the instances to wake, this one included)
     */
    ReleaseBatcher(AdmissionScripts scripts, int maxBatch, LongSupplier ticker,
                   ScheduledExecutorService timer, Executor callbacks, Runnable afterSend) {
        this.scripts = scripts;
        this.maxBatch = maxBatch;
        this.ticker = ticker;
        this.timer = timer;
        this.callbacks = callbacks;
        this.afterSend = afterSend;
    }

    /**
     * Releases a lease by id and token; {@code token} "*" cancels by id (an acquire whose reply was lost).
     * {@code actualCostMicros} settles the lease's reserved cost; "" keeps the reservation.
     */
    CompletableFuture<Void> release(String leaseId, String token, String actualCostMicros, long retryForNanos) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (lock) {
            queue.addLast(new Pending(leaseId, token, actualCostMicros, ticker.getAsLong() + retryForNanos, done));
        }
        pump();
        return done;
    }

    int pending() {
        synchronized (lock) {
            return queue.size();
        }
    }

    private void pump() {
        List<Pending> batch = new ArrayList<>();
        synchronized (lock) {
            if (inFlight || paused || queue.isEmpty()) {
                return;
            }
            while (!queue.isEmpty() && batch.size() < maxBatch) {
                batch.add(queue.pollFirst());
            }
            inFlight = true;
        }
        List<String> args = new ArrayList<>(1 + batch.size() * 3);
        args.add(Integer.toString(batch.size()));
        for (Pending p : batch) {
            args.add(p.leaseId());
            args.add(p.token());
            args.add(p.actualCost());
        }
        scripts.run(AdmissionScripts.RELEASE, args).whenComplete((reply, failure) -> {
            if (failure == null) {
                onReply(batch, reply);
            } else {
                onFailure(batch, AdmissionScripts.translate(failure));
            }
        });
        afterSend.run();
    }

    private void onReply(List<Pending> batch, ScriptReply reply) {
        synchronized (lock) {
            inFlight = false;
            backoff = BACKOFF_MIN;
        }
        for (Pending p : batch) {
            complete(p.done(), null);
        }
        pump();
    }

    private void onFailure(List<Pending> batch, RuntimeException error) {
        boolean retry = error instanceof AdmissionUnavailableException;
        long now = ticker.getAsLong();
        List<Pending> failed = new ArrayList<>();
        synchronized (lock) {
            inFlight = false;
            for (int i = batch.size() - 1; i >= 0; i--) {
                Pending p = batch.get(i);
                if (retry && now - p.giveUpAt() < 0) {
                    queue.addFirst(p);
                } else {
                    failed.add(p);
                }
            }
            if (!queue.isEmpty()) {
                paused = true;
                try {
                    timer.schedule(this::resume, backoff, TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    paused = false; // shutting down: the leases expire by their TTL
                    while (!queue.isEmpty()) {
                        failed.add(queue.pollFirst());
                    }
                }
                backoff = Math.min(backoff * 2, BACKOFF_MAX);
            }
        }
        for (Pending p : failed) {
            complete(p.done(), error);
        }
    }

    private void resume() {
        synchronized (lock) {
            paused = false;
        }
        pump();
    }

    private void complete(CompletableFuture<Void> done, Throwable error) {
        Blocking.runOn(callbacks, error == null ? () -> done.complete(null) : () -> done.completeExceptionally(error));
    }
}
