package dev.harvest.lease.redis;

import dev.harvest.lease.Lease;
import dev.harvest.lease.redis.Waiter.WaitClass;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Leases whose task ended while no request of this instance waited for their wait class, kept for a moment
 * ({@code leaseLinger}) instead of going back to Redis: a request that arrives meanwhile takes one at once, as a
 * waiting one takes a lease handed over (see {@link LeaseReuse}). Requests of a lane come in bursts (its stream
 * thread takes in no record while it commits), and without this the leases of the tasks that end in such a pause
 * went back to Redis, and the burst after it waited for acquire calls to bring them back.
 *
 * <p>Each lease is kept until its own deadline (the linger, never past its reuse window), then goes back to Redis.
 * Every method but the flush runs under {@link AcquireBatcher}'s lock, which the flush takes too.
 */
final class ParkedLeases {

    private record Parked(Lease lease, long until) {
    }

    private final Object lock;
    private final ScheduledExecutorService timer;
    private final LongSupplier ticker;
    private final Consumer<Lease> giveBack;
    private final Map<WaitClass, ArrayDeque<Parked>> byClass = new HashMap<>();
    private volatile int size;
    /** When the earliest pending flush runs; MAX_VALUE when none is pending. */
    private long flushAt = Long.MAX_VALUE;

    /**
     * @param lock     the lock every call but the flush is made under
     * @param giveBack sends a lease back to Redis (called outside the lock)
     */
    ParkedLeases(Object lock, ScheduledExecutorService timer, LongSupplier ticker, Consumer<Lease> giveBack) {
        this.lock = lock;
        this.timer = timer;
        this.ticker = ticker;
        this.giveBack = giveBack;
    }

    /** Keeps {@code lease} of class {@code c} until the tick {@code until}. */
    void park(WaitClass c, Lease lease, long until) {
        byClass.computeIfAbsent(c, k -> new ArrayDeque<>()).addLast(new Parked(lease, until));
        size++;
        if (flushAt == Long.MAX_VALUE || until - flushAt < 0) {
            scheduleFlush(until);
        }
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** How many leases are parked; read without the lock. */
    int size() {
        return size;
    }

    /**
     * Gives parked leases to the requests waiting in {@code queues}, highest lane first, each checked with
     * {@code reusable} again (those that fail go to {@code back}); a request takes only a lease of its own class,
     * and none while a more important lane waits for the same pool or semaphore. A class with requests waiting
     * and no lease of its own sends to {@code back} the leases of other classes that hold its pool's keys or its
     * semaphore's permits, so that Redis grants them in lane order. Served requests go to {@code served}, their
     * leases at the same index to {@code servedWith}.
     */
    void serve(WaitQueues queues, Predicate<Lease> reusable, List<Waiter> served, List<Lease> servedWith,
               List<Lease> back) {
        for (WaitClass c : queues.waitingClasses()) {
            ArrayDeque<Parked> own = byClass.get(c);
            if (own == null) {
                back.addAll(takeWhere((other, p) -> !other.equals(c) && c.shares(other)));
                continue;
            }
            if (queues.moreImportantWaits(c)) {
                back.addAll(takeWhere((other, p) -> other.equals(c)));
                continue;
            }
            while (!own.isEmpty()) {
                Parked p = own.peekLast();
                if (!reusable.test(p.lease())) {
                    back.add(p.lease());
                } else {
                    Waiter w = queues.takeForReuse(c).waiter();
                    if (w == null) {
                        break;
                    }
                    served.add(w);
                    servedWith.add(p.lease());
                }
                own.pollLast();
                size--;
            }
            if (own.isEmpty()) {
                byClass.remove(c);
            }
        }
    }

    /** Takes out the leases {@code matching} selects. */
    List<Lease> takeMatching(Predicate<Lease> matching) {
        return takeWhere((c, p) -> matching.test(p.lease()));
    }

    private interface Selector {
        boolean test(WaitClass c, Parked p);
    }

    private List<Lease> takeWhere(Selector selector) {
        List<Lease> taken = new ArrayList<>();
        for (Iterator<Map.Entry<WaitClass, ArrayDeque<Parked>>> classes = byClass.entrySet().iterator();
             classes.hasNext(); ) {
            Map.Entry<WaitClass, ArrayDeque<Parked>> entry = classes.next();
            for (Iterator<Parked> it = entry.getValue().iterator(); it.hasNext(); ) {
                Parked p = it.next();
                if (selector.test(entry.getKey(), p)) {
                    it.remove();
                    taken.add(p.lease());
                }
            }
            if (entry.getValue().isEmpty()) {
                classes.remove();
            }
        }
        size -= taken.size();
        return taken;
    }

    private void scheduleFlush(long at) {
        flushAt = at;
        try {
            timer.schedule(() -> flushDue(at), Math.max(0, at - ticker.getAsLong()), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            flushAt = Long.MAX_VALUE; // closing: every held lease is given back
        }
    }

    /** Sends back the leases whose deadline passed and schedules the next flush. */
    private void flushDue(long scheduledFor) {
        List<Lease> due;
        synchronized (lock) {
            if (flushAt == scheduledFor) {
                flushAt = Long.MAX_VALUE;
            }
            long now = ticker.getAsLong();
            due = takeWhere((c, p) -> now - p.until() >= 0);
            long next = Long.MAX_VALUE;
            for (ArrayDeque<Parked> parked : byClass.values()) {
                for (Parked p : parked) {
                    next = next == Long.MAX_VALUE || p.until() - next < 0 ? p.until() : next;
                }
            }
            if (next != Long.MAX_VALUE && (flushAt == Long.MAX_VALUE || next - flushAt < 0)) {
                scheduleFlush(next);
            }
        }
        due.forEach(giveBack);
    }
}
