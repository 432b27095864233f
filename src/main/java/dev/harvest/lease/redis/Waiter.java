package dev.harvest.lease.redis;

import dev.harvest.lease.AdmissionRequest;
import dev.harvest.lease.Lease;
import dev.harvest.task.Cost;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One admission request on its way: waiting in the queue, in a batch on the wire, or settled. It keeps its
 * lease id across tries, so a try whose reply was lost and that is sent again gets the same grant back.
 * Settling happens once; whoever loses the race (a grant after a timeout) must give the grant back.
 */
final class Waiter {

    /** Requests that compete for the same resources at the same priority; ordered by lane priority first. */
    record WaitClass(int priority, String pool, String semaphore) implements Comparable<WaitClass> {
        @Override
        public int compareTo(WaitClass o) {
            int c = Integer.compare(priority, o.priority);
            if (c == 0) {
                c = pool.compareTo(o.pool);
            }
            return c != 0 ? c : semaphore.compareTo(o.semaphore);
        }
    }

    final AdmissionRequest request;
    final String leaseId;
    final long seq;
    final boolean tryOnly;
    final int reservedAbove;
    final long ttlMillis;
    /** The request's cost in millionths of a unit, reserved in the key's budget window. */
    final long costMicros;
    final WaitClass waitClass;
    final CompletableFuture<Lease> result = new CompletableFuture<>();
    private final AtomicBoolean settled = new AtomicBoolean();
    /** Sent in a try whose outcome is unknown (the call failed): a grant may exist in Redis under leaseId. */
    volatile boolean uncertain;
    /** Send time of the earliest such try since Redis last answered for this waiter; MAX_VALUE when none. */
    volatile long uncertainSince = Long.MAX_VALUE;
    volatile RuntimeException lastError;
    volatile ScheduledFuture<?> timeout;
    /** A long wait's length and the set {@link RequestTimeouts} files it in until it settles (instead of a timeout). */
    volatile Duration maxWait;
    volatile Set<Waiter> sweptIn;
    int unknownReplies;
    /** When the request was submitted (the admission's ticker), for {@link WaitPaths}. */
    volatile long submittedAt;
    /** Redis found nothing free for it at least once. */
    volatile boolean refused;

    Waiter(AdmissionRequest request, String leaseId, long seq, boolean tryOnly, int reservedAbove, long ttlMillis) {
        this.request = request;
        this.leaseId = leaseId;
        this.seq = seq;
        this.tryOnly = tryOnly;
        this.reservedAbove = reservedAbove;
        this.ttlMillis = ttlMillis;
        this.costMicros = Cost.toMicros(request.cost());
        this.waitClass = new WaitClass(request.lane().priority(), orEmpty(request.keyPool()), orEmpty(request.permits()));
    }

    static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    /** True for the one caller that may complete this waiter. */
    boolean settle() {
        if (!settled.compareAndSet(false, true)) {
            return false;
        }
        ScheduledFuture<?> t = timeout;
        if (t != null) {
            t.cancel(false);
        }
        Set<Waiter> swept = sweptIn;
        if (swept != null) {
            swept.remove(this);
        }
        return true;
    }

    boolean isSettled() {
        return settled.get();
    }

    /**
     * Completes on {@code executor}, so callers' continuations never run on a Redis I/O thread. If the caller
     * cancelled the stage meanwhile, the lease is handed to {@code undelivered} to be given back.
     */
    void deliver(Executor executor, Lease lease, Consumer<Lease> undelivered) {
        Blocking.runOn(executor, () -> {
            if (!result.complete(lease) && lease != null) {
                undelivered.accept(lease);
            }
        });
    }

    /** Completes on the calling thread; as {@link #deliver} otherwise. */
    void deliverHere(Lease lease, Consumer<Lease> undelivered) {
        if (!result.complete(lease) && lease != null) {
            undelivered.accept(lease);
        }
    }

    void deliverFailure(Executor executor, Throwable failure) {
        Blocking.runOn(executor, () -> result.completeExceptionally(failure));
    }

    /** "key of pool 'p' and permit of 's'", for timeout messages. */
    String describeNeed() {
        String key = request.keyPool() == null ? null : "key of pool '" + request.keyPool() + "'";
        String permit = request.permits() == null ? null : "permit of '" + request.permits() + "'";
        return key == null ? permit : permit == null ? key : key + " and " + permit;
    }
}
