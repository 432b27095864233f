package dev.harvest.lease.redis;

import dev.harvest.lease.Lease;
import dev.harvest.lease.redis.Waiter.WaitClass;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Leases of this instance whose task ended while nobody here waited for their class, kept for the next request
 * instead of going back to Redis at once. Without them, a lane's requests that come in a burst after a lull (a
 * poll, a collection pause) find the permits that went back meanwhile in Redis and wait a round trip, or several
 * behind the one acquire call on the wire, while in Redis the permits sit free. A kept lease is under the same
 * rules as a lease handed over ({@link LeaseReuse}): it goes back to Redis once {@code leaseReuse} has passed since
 * Redis granted it (a sweep every {@link #SWEEP_NANOS} while any are kept), as soon as another instance announces
 * that it waits for its pool or semaphore, or when its key cools down or the lease is lost. Only a request that
 * needs the same pool and semaphore takes it, of the same lane or a more important one (a lease a lane may hold, a
 * more important lane may hold too).
 *
 * <p>Thread-safe: tasks end on any thread and requests come from the stream threads.
 */
final class KeptLeases {

    /** How often kept leases are checked while there are any: one is back in Redis at most this long late. */
    static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private record Kept(Lease lease, WaitClass waitClass) {
    }

    /** Kept leases by pool and semaphore, each deque oldest first. */
    private final Map<String, ConcurrentLinkedDeque<Kept>> byNeed = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicBoolean sweepScheduled = new AtomicBoolean();
    private final ScheduledExecutorService timer;
    private final Function<Lease, WaitClass> keepClass;
    private final Consumer<Lease> toRedis;
    private final Consumer<Lease> reoffer;

    /**
     * @param timer     runs the sweep
     * @param keepClass the class a lease may still be kept for, or null once it may not (the hand-over's rules,
     *                  closing, kept leases turned off)
     * @param toRedis   gives a lease back to Redis
     * @param reoffer   offers a lease again as if its task had just ended (to a request waiting here, else kept
     *                  again, else back to Redis)
     */
    KeptLeases(ScheduledExecutorService timer, Function<Lease, WaitClass> keepClass, Consumer<Lease> toRedis,
               Consumer<Lease> reoffer) {
        this.timer = timer;
        this.keepClass = keepClass;
        this.toRedis = toRedis;
        this.reoffer = reoffer;
    }

    /** Whether {@code lease} may still be kept (and taken). */
    private boolean qualifies(Lease lease) {
        return keepClass.apply(lease) != null;
    }

    /** Keeps {@code lease}, granted to a request of {@code waitClass}, until the sweep finds it due. */
    void keep(Lease lease, WaitClass waitClass) {
        byNeed.computeIfAbsent(need(waitClass), k -> new ConcurrentLinkedDeque<>()).addLast(new Kept(lease, waitClass));
        size.incrementAndGet();
        scheduleSweep();
    }

    /**
     * A kept lease a request of {@code c} may take, taken out, or null. The rules are checked again for each
     * candidate; one that no longer qualifies goes back to Redis.
     */
    Lease take(WaitClass c) {
        if (size.get() == 0) {
            return null;
        }
        ConcurrentLinkedDeque<Kept> kept = byNeed.get(need(c));
        if (kept == null) {
            return null;
        }
        for (Kept k : kept) {
            if (k.waitClass().priority() >= c.priority() && kept.remove(k)) {
                size.decrementAndGet();
                if (qualifies(k.lease())) {
                    return k.lease();
                }
                toRedis.accept(k.lease());
            }
        }
        return null;
    }

    /** Every kept lease is offered again: to requests queued here meanwhile (e.g. refused by Redis), or kept again. */
    void offerAll() {
        takeAll(l -> true).forEach(reoffer);
    }

    /** Kept leases past their reuse window, contended, cooling or lost go back to Redis. */
    void returnDue() {
        takeAll(l -> !qualifies(l)).forEach(toRedis);
    }

    /** Forgets every kept lease (closing: they are given back with the other leases held). */
    void clear() {
        takeAll(l -> true);
    }

    /** Whether a lease is kept that a request of {@code c} could take. */
    boolean hasFor(WaitClass c) {
        if (size.get() == 0) {
            return false;
        }
        ConcurrentLinkedDeque<Kept> kept = byNeed.get(need(c));
        return kept != null && kept.stream().anyMatch(k -> k.waitClass().priority() >= c.priority());
    }

    int size() {
        return size.get();
    }

    private List<Lease> takeAll(Predicate<Lease> due) {
        if (size.get() == 0) {
            return List.of();
        }
        List<Lease> out = new ArrayList<>();
        for (ConcurrentLinkedDeque<Kept> kept : byNeed.values()) {
            for (Kept k : kept) {
                if (due.test(k.lease()) && kept.remove(k)) {
                    size.decrementAndGet();
                    out.add(k.lease());
                }
            }
        }
        return out;
    }

    private void sweep() {
        sweepScheduled.set(false);
        returnDue();
        if (size.get() > 0) {
            scheduleSweep();
        }
    }

    private void scheduleSweep() {
        if (sweepScheduled.compareAndSet(false, true)) {
            try {
                timer.schedule(this::sweep, SWEEP_NANOS, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                sweepScheduled.set(false); // closing: every held lease is given back
            }
        }
    }

    private static String need(WaitClass c) {
        return c.pool() + "\u0000" + c.semaphore();
    }
}
