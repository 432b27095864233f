package dev.harvest.lease.redis;

import dev.harvest.lease.redis.Waiter.WaitClass;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The JVM's admission requests not on the wire: one FIFO queue per wait class (lane, pool, semaphore), ordered
 * by lane, and the one-shot tries. It also knows which classes are blocked (their last request found nothing
 * free), which this instance stands queued for in Redis, and which it has left there without telling Redis yet.
 * Not thread-safe: {@link AcquireBatcher} holds its lock around every call.
 */
final class WaitQueues {

    private final TreeMap<WaitClass, ArrayDeque<Waiter>> waiting = new TreeMap<>();
    private final List<Waiter> tries = new ArrayList<>();
    private final Set<WaitClass> blocked = new HashSet<>();
    private final Set<WaitClass> leaving = new HashSet<>();
    /** Classes in whose Redis fairness queue this instance stands (its last call there left requests waiting). */
    private final Set<WaitClass> queuedInRedis = new HashSet<>();

    /** A waiter taken to hand a lease to, and whether its class's last waiter left with it. */
    record Taken(Waiter waiter, boolean left) {
    }

    void add(Waiter waiter) {
        if (waiter.tryOnly) {
            tries.add(waiter);
        } else {
            waiting.computeIfAbsent(waiter.waitClass, c -> new ArrayDeque<>()).addLast(waiter);
        }
    }

    /** Puts a waiter back at the head of its queue (its call did not settle it). */
    void requeueFirst(Waiter w) {
        if (w.tryOnly) {
            tries.add(0, w);
        } else {
            waiting.computeIfAbsent(w.waitClass, c -> new ArrayDeque<>()).addFirst(w);
        }
    }

    /** No class is blocked any more: something may have come free. */
    void unblockAll() {
        blocked.clear();
    }

    void block(WaitClass c) {
        blocked.add(c);
    }

    /** Takes out a waiter that gave up; true when it was the last of its class and Redis is to be told. */
    boolean remove(Waiter waiter) {
        boolean left = false;
        ArrayDeque<Waiter> queue = waiting.get(waiter.waitClass);
        if (queue != null && queue.remove(waiter) && queue.isEmpty()) {
            left = emptied(waiter.waitClass, true);
        }
        tries.remove(waiter);
        return left;
    }

    /**
     * The first queued waiter of {@code c} whose earlier tries all have a known outcome, taken out of the queue
     * (settled ones met on the way are dropped); none when a waiter of a more important lane waits for the same
     * pool or semaphore.
     */
    Taken takeForReuse(WaitClass c) {
        ArrayDeque<Waiter> queue = waiting.get(c);
        if (queue == null || moreImportantWaits(c)) {
            return new Taken(null, false);
        }
        Waiter taken = null;
        for (Iterator<Waiter> it = queue.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (w.isSettled()) {
                it.remove();
            } else if (!w.uncertain) {
                it.remove();
                taken = w;
                break;
            }
        }
        boolean left = queue.isEmpty() && emptied(c, queuedInRedis.contains(c));
        return new Taken(taken, left);
    }

    /**
     * Tries, and waiters of classes not blocked, highest lane first, FIFO within a lane; at most {@code max}.
     * Settled waiters met on the way are dropped.
     */
    List<Waiter> takeBatch(int max) {
        List<Waiter> batch = new ArrayList<>();
        for (Iterator<Waiter> it = tries.iterator(); it.hasNext() && batch.size() < max; ) {
            Waiter w = it.next();
            it.remove();
            if (!w.isSettled()) {
                batch.add(w);
            }
        }
        for (Iterator<Map.Entry<WaitClass, ArrayDeque<Waiter>>> it = waiting.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<WaitClass, ArrayDeque<Waiter>> entry = it.next();
            ArrayDeque<Waiter> queue = entry.getValue();
            while (!blocked.contains(entry.getKey()) && !queue.isEmpty() && batch.size() < max) {
                Waiter w = queue.pollFirst();
                if (!w.isSettled()) {
                    batch.add(w);
                }
            }
            if (queue.isEmpty()) {
                it.remove();
            }
        }
        batch.sort(Comparator.comparingInt((Waiter w) -> w.waitClass.priority()).thenComparingLong(w -> w.seq));
        return batch;
    }

    /** Whether a call is worth making with nothing to ask: a class left this instance and Redis must be told. */
    boolean hasLeaving() {
        return !leaving.isEmpty();
    }

    /**
     * Per wait class of a call: how many requests of it this instance has waiting, sent and still queued (0 for
     * a class it leaves: its last waiter timed out). Redis keeps the instance in that class's fairness queue
     * while the number is above what the call grants. The classes left are now told.
     */
    Map<WaitClass, Integer> waitingPerClass(List<Waiter> batch) {
        Map<WaitClass, Integer> counts = new LinkedHashMap<>();
        leaving.forEach(c -> counts.put(c, 0));
        leaving.clear();
        for (Waiter w : batch) {
            counts.merge(w.waitClass, w.tryOnly ? 0 : 1, Integer::sum);
        }
        counts.replaceAll((c, n) -> n + (waiting.containsKey(c) ? waiting.get(c).size() : 0));
        return counts;
    }

    /** After a call's answer: whether this instance still stands queued in Redis for {@code c}. */
    void queuedInRedis(WaitClass c, boolean queued) {
        if (queued) {
            queuedInRedis.add(c);
        } else {
            queuedInRedis.remove(c);
        }
    }

    int size() {
        return waiting.values().stream().mapToInt(ArrayDeque::size).sum() + tries.size();
    }

    String describe() {
        return "waiting=" + waiting.values().stream().mapToInt(ArrayDeque::size).sum() + " tries=" + tries.size()
                + " blocked=" + blocked;
    }

    /** Empties the queues; returns every waiter that was in them. */
    List<Waiter> clear() {
        List<Waiter> left = new ArrayList<>(tries);
        waiting.values().forEach(left::addAll);
        waiting.clear();
        tries.clear();
        return left;
    }

    /**
     * The last waiter of {@code c} left the queue. With {@code tellRedis}, the next call tells Redis that this
     * instance no longer waits in the class (true when that call is still to be made). The class is no longer
     * blocked: out of the Redis queue no release names this instance, so its next request must be sent.
     */
    private boolean emptied(WaitClass c, boolean tellRedis) {
        waiting.remove(c);
        blocked.remove(c);
        return tellRedis && leaving.add(c);
    }

    /** Whether a request of any lane waits here for {@code c}'s pool or semaphore. */
    boolean anyWaitsFor(WaitClass c) {
        for (Map.Entry<WaitClass, ArrayDeque<Waiter>> e : waiting.entrySet()) {
            if (shares(c, e.getKey()) && !e.getValue().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private static boolean shares(WaitClass c, WaitClass other) {
        return (!c.pool().isEmpty() && c.pool().equals(other.pool()))
                || (!c.semaphore().isEmpty() && c.semaphore().equals(other.semaphore()));
    }

    /** Whether a class ahead of {@code c} (a more important lane) waits for its pool or semaphore. */
    private boolean moreImportantWaits(WaitClass c) {
        for (Map.Entry<WaitClass, ArrayDeque<Waiter>> e : waiting.headMap(c, false).entrySet()) {
            WaitClass other = e.getKey();
            if (shares(c, other) && other.priority() < c.priority() && !e.getValue().isEmpty()) {
                return true;
            }
        }
        return false;
    }
}
