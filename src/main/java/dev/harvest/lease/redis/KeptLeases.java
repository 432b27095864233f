package dev.harvest.lease.redis;

import dev.harvest.lease.Lease;
import dev.harvest.lease.redis.Waiter.WaitClass;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Leases of this instance whose task ended while nobody here waited for their class, kept for the next request
 * instead of going back to Redis at once. Without them, a lane's requests that come in a burst after a lull (a
 * poll, a collection pause) find the permits that went back meanwhile in Redis and wait a round trip, or several
 * behind the one acquire call on the wire, while in Redis the permits sit free. A kept lease is under the same
 * rules as a lease handed over ({@link LeaseReuse}): it goes back to Redis once {@code leaseReuse} has passed since
 * Redis granted it, as soon as another instance announces that it waits for its pool or semaphore, or when its key
 * cools down or the lease is lost. Only a request that needs the same pool and semaphore takes it, of the same lane
 * or a more important one (a lease a lane may hold, a more important lane may hold too).
 *
 * <p>Thread-safe: tasks end on any thread and requests come from the stream threads.
 */
final class KeptLeases {

    private record Kept(Lease lease, WaitClass waitClass) {
    }

    /** Kept leases by pool and semaphore, each deque oldest first. */
    private final Map<String, ConcurrentLinkedDeque<Kept>> byNeed = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();

    /** Keeps {@code lease}, granted to a request of {@code waitClass}. */
    void keep(Lease lease, WaitClass waitClass) {
        byNeed.computeIfAbsent(need(waitClass), k -> new ConcurrentLinkedDeque<>()).addLast(new Kept(lease, waitClass));
        size.incrementAndGet();
    }

    /**
     * A kept lease a request of {@code c} may take, taken out, or null. {@code usable} is asked of each candidate
     * (the reuse rules, checked again now); one it refuses goes to {@code refused} (to be given back to Redis).
     */
    Lease take(WaitClass c, Predicate<Lease> usable, List<Lease> refused) {
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
                if (usable.test(k.lease())) {
                    return k.lease();
                }
                refused.add(k.lease());
            }
        }
        return null;
    }

    /** Takes out every kept lease that {@code due} selects (window passed, contended, cooling, lost). */
    List<Lease> takeAll(Predicate<Lease> due) {
        List<Lease> out = new ArrayList<>();
        if (size.get() == 0) {
            return out;
        }
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

    private static String need(WaitClass c) {
        return c.pool() + "\u0000" + c.semaphore();
    }
}
