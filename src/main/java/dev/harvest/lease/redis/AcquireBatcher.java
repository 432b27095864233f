package dev.harvest.lease.redis;

import dev.harvest.lease.AdmissionUnavailableException;
import dev.harvest.lease.Lease;
import dev.harvest.lease.redis.Waiter.WaitClass;
import dev.harvest.redis.ScriptReply;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The JVM's queue of admission requests and the one acquire call in flight ("group commit"): while a call is on
 * the wire, new requests queue, and the next call carries all of them, highest lane first, FIFO within a lane.
 * Under load one call grants many leases, so round trips per task fall well below one.
 *
 * <p>A wait class (lane, pool, semaphore) whose request found nothing free is <em>blocked</em>: its waiters are
 * not sent again until a wake-up (a pub/sub message naming this instance, a local release when polling, a
 * {@link PollTimer poll}). A failed call pauses sending with its own backoff; waiters keep their lease ids, so a
 * retried call returns any grant the lost reply carried.
 */
final class AcquireBatcher {

    private static final long ERROR_BACKOFF_MIN = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long ERROR_BACKOFF_MAX = TimeUnit.SECONDS.toNanos(1);
    private static final int UNKNOWN_RETRIES = 3;

    /** What happens to a waiter once Redis answered; implemented by {@link RedisAdmissionControl}. */
    interface Outcomes {
        void granted(Waiter waiter, Lease lease);

        void nothingFree(Waiter waiter);

        void failed(Waiter waiter, RuntimeException error);

        /** The waiter settled (timed out) while its try was on the wire and the try's outcome is unknown. */
        void abandoned(Waiter waiter);

        /** Redis does not know a pool or semaphore (e.g. it restarted empty): sync, then {@link #resume()}. */
        void syncNeeded();
    }

    private final AdmissionScripts scripts;
    private final AdmissionOptions options;
    private final LongSupplier ticker;
    private final ScheduledExecutorService timer;
    private final String instanceId;
    private final Outcomes outcomes;
    private final PollTimer polls;

    private final Object lock = new Object();
    private final TreeMap<WaitClass, ArrayDeque<Waiter>> waiting = new TreeMap<>();
    private final List<Waiter> tries = new ArrayList<>();
    private final Set<WaitClass> blocked = new HashSet<>();
    private final Set<WaitClass> leaving = new HashSet<>();
    /** Classes in whose Redis fairness queue this instance stands (its last call there left requests waiting). */
    private final Set<WaitClass> queuedInRedis = new HashSet<>();
    private boolean inFlight;
    /** Wake-ups so far: one that arrives while a call is on the wire must not be lost (see onReply). */
    private long wakes;
    private boolean paused;
    private boolean closed;
    private long errorDelay = ERROR_BACKOFF_MIN;

    AcquireBatcher(AdmissionScripts scripts, AdmissionOptions options, LongSupplier ticker, ScheduledExecutorService timer,
                   String instanceId, Outcomes outcomes) {
        this.scripts = scripts;
        this.options = options;
        this.ticker = ticker;
        this.timer = timer;
        this.instanceId = instanceId;
        this.outcomes = outcomes;
        this.polls = new PollTimer(options, timer, this::wake);
    }

    void submit(Waiter waiter) {
        synchronized (lock) {
            if (waiter.tryOnly) {
                tries.add(waiter);
            } else {
                waiting.computeIfAbsent(waiter.waitClass, c -> new ArrayDeque<>()).addLast(waiter);
            }
        }
        pump();
    }

    /** Something may have come free: try every blocked class again. */
    void wake() {
        synchronized (lock) {
            wakes++;
            blocked.clear();
        }
        pump();
    }

    /** Ends a pause (error backoff, pool sync). */
    void resume() {
        synchronized (lock) {
            paused = false;
            blocked.clear();
        }
        pump();
    }

    /** Takes out a waiter that gave up; when it was the last of its class, Redis is told at the next call. */
    void remove(Waiter waiter) {
        boolean left = false;
        synchronized (lock) {
            ArrayDeque<Waiter> queue = waiting.get(waiter.waitClass);
            if (queue != null && queue.remove(waiter) && queue.isEmpty()) {
                left = emptied(waiter.waitClass, true);
            }
            tries.remove(waiter);
        }
        if (left) {
            pump();
        }
    }

    /**
     * A queued waiter of {@code c} to hand a lease of that class to, taken out of the queue; null when there is
     * none, or when a waiter of a more important lane waits for the same pool or semaphore (that one must get the
     * capacity through Redis). Waiters whose earlier try has an unknown outcome are left for Redis: a grant may
     * exist under their lease id. The caller settles the waiter; when that fails (it timed out meanwhile) it asks
     * again.
     */
    Waiter takeForReuse(WaitClass c) {
        Waiter taken = null;
        boolean left = false;
        synchronized (lock) {
            ArrayDeque<Waiter> queue = waiting.get(c);
            if (queue == null || closed || moreImportantWaits(c)) {
                return null;
            }
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
            if (queue.isEmpty()) {
                left = emptied(c, queuedInRedis.contains(c));
            }
        }
        if (left) {
            pump();
        }
        return taken;
    }

    /**
     * The last waiter of {@code c} left this instance's queue. With {@code tellRedis}, the next call tells Redis
     * that this instance no longer waits in the class (true when that call is still to be made). The class is no
     * longer blocked: out of the Redis queue no release names this instance, so its next request must be sent.
     * Holds the lock.
     */
    private boolean emptied(WaitClass c, boolean tellRedis) {
        waiting.remove(c);
        blocked.remove(c);
        return tellRedis && leaving.add(c);
    }

    /** Whether a class ahead of {@code c} (a more important lane) waits for its pool or semaphore. Holds the lock. */
    private boolean moreImportantWaits(WaitClass c) {
        for (Map.Entry<WaitClass, ArrayDeque<Waiter>> e : waiting.headMap(c, false).entrySet()) {
            WaitClass other = e.getKey();
            boolean shares = (!c.pool().isEmpty() && c.pool().equals(other.pool()))
                    || (!c.semaphore().isEmpty() && c.semaphore().equals(other.semaphore()));
            if (shares && other.priority() < c.priority() && !e.getValue().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    int waitingCount() {
        synchronized (lock) {
            return waiting.values().stream().mapToInt(ArrayDeque::size).sum() + tries.size();
        }
    }

    /** For diagnostics: the state of the queue and of the call in flight. */
    String describe() {
        synchronized (lock) {
            return "waiting=" + waiting.values().stream().mapToInt(ArrayDeque::size).sum() + " tries=" + tries.size()
                    + " blocked=" + blocked + " inFlight=" + inFlight + " paused=" + paused + " poll=" + polls.describe();
        }
    }

    /** Stops sending; returns the waiters not yet settled, for the caller to fail. */
    List<Waiter> close() {
        polls.close();
        synchronized (lock) {
            closed = true;
            List<Waiter> left = new ArrayList<>(tries);
            waiting.values().forEach(left::addAll);
            waiting.clear();
            tries.clear();
            return left;
        }
    }

    private void pump() {
        AcquireCall call;
        synchronized (lock) {
            if (inFlight || paused || closed) {
                return;
            }
            List<Waiter> batch = takeBatch();
            if (batch.isEmpty() && leaving.isEmpty()) {
                return;
            }
            call = new AcquireCall(batch, waitingPerClass(batch), wakes);
            inFlight = true;
        }
        call.sentAt = ticker.getAsLong();
        scripts.run(AdmissionScripts.ACQUIRE, call.args(options, instanceId)).whenComplete((reply, failure) -> {
            if (failure == null && call.fits(reply)) {
                onReply(call, reply);
            } else if (failure == null) {
                onFailure(call, new IllegalStateException("acquire answered " + reply.size() + " elements for "
                        + call.batch.size() + " requests: script and client out of step"));
            } else {
                onFailure(call, AdmissionScripts.translate(failure));
            }
        });
    }

    /** Tries, and waiters of classes not blocked, highest lane first, FIFO within a lane; at most maxBatch. */
    private List<Waiter> takeBatch() {
        List<Waiter> batch = new ArrayList<>();
        for (Iterator<Waiter> it = tries.iterator(); it.hasNext() && batch.size() < options.maxBatch(); ) {
            Waiter w = it.next();
            it.remove();
            if (!w.isSettled()) {
                batch.add(w);
            }
        }
        for (Iterator<Map.Entry<WaitClass, ArrayDeque<Waiter>>> it = waiting.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<WaitClass, ArrayDeque<Waiter>> entry = it.next();
            ArrayDeque<Waiter> queue = entry.getValue();
            while (!blocked.contains(entry.getKey()) && !queue.isEmpty() && batch.size() < options.maxBatch()) {
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

    /**
     * Per wait class of the call: how many requests of it this instance has waiting, sent and still queued
     * (0 for a class it leaves: its last waiter timed out). Redis keeps the instance in that class's fairness
     * queue while the number is above what the call grants. Caller holds the lock.
     */
    private Map<WaitClass, Integer> waitingPerClass(List<Waiter> batch) {
        Map<WaitClass, Integer> counts = new LinkedHashMap<>();
        leaving.forEach(c -> counts.put(c, 0));
        leaving.clear();
        for (Waiter w : batch) {
            counts.merge(w.waitClass, w.tryOnly ? 0 : 1, Integer::sum);
        }
        counts.replaceAll((c, n) -> n + (waiting.containsKey(c) ? waiting.get(c).size() : 0));
        return counts;
    }

    private void onReply(AcquireCall call, ScriptReply reply) {
        List<Runnable> after = new ArrayList<>();
        boolean granted = false;
        boolean unknown = false;
        boolean stillWaiting = false;
        synchronized (lock) {
            inFlight = false;
            errorDelay = ERROR_BACKOFF_MIN;
            // Something was freed while the call was on the wire, maybe after Redis ran it: try again at once.
            boolean wokenMeanwhile = wakes != call.wakesAtSend;
            trackQueued(call, reply);
            for (int i = call.batch.size() - 1; i >= 0; i--) {
                Waiter w = call.batch.get(i);
                int status = AcquireCall.status(reply, i);
                // A grant may have been made by an earlier call whose answer was lost: its expiry counts from then.
                long grantedNoEarlierThan = Math.min(call.sentAt, w.uncertainSince);
                w.uncertain = false; // Redis answered: no grant exists under this lease id unless it says so
                w.uncertainSince = Long.MAX_VALUE;
                w.lastError = null;
                if (status == AcquireCall.GRANTED) {
                    granted = true;
                    Lease lease = call.lease(reply, i, options, grantedNoEarlierThan);
                    after.add(() -> outcomes.granted(w, lease));
                } else if (w.isSettled()) {
                    continue;
                } else if (status == AcquireCall.UNKNOWN_POOL || status == AcquireCall.UNKNOWN_SEMAPHORE) {
                    if (w.unknownReplies++ < UNKNOWN_RETRIES) {
                        unknown = true;
                        requeueFirst(w);
                    } else {
                        after.add(() -> outcomes.failed(w, new IllegalStateException(
                                "redis does not know " + w.describeNeed() + " even after a pool sync")));
                    }
                } else if (w.tryOnly) {
                    after.add(() -> outcomes.nothingFree(w));
                } else {
                    requeueFirst(w);
                    if (!wokenMeanwhile) {
                        blocked.add(w.waitClass);
                    }
                    stillWaiting = true;
                }
            }
            paused |= unknown;
        }
        if (stillWaiting) {
            polls.schedule(AcquireCall.wakeInMillis(reply), granted, AcquireCall.timeOnly(reply));
        }
        Collections.reverse(after);
        after.forEach(Runnable::run);
        if (unknown) {
            outcomes.syncNeeded();
        }
        pump();
    }

    /** Which classes the call left this instance queued in at Redis (acquire.lua: granted below the count sent). */
    private void trackQueued(AcquireCall call, ScriptReply reply) {
        Map<WaitClass, Integer> grants = new HashMap<>();
        for (int i = 0; i < call.batch.size(); i++) {
            Waiter w = call.batch.get(i);
            if (!w.tryOnly && AcquireCall.status(reply, i) == AcquireCall.GRANTED) {
                grants.merge(w.waitClass, 1, Integer::sum);
            }
        }
        call.classes.forEach((c, count) -> {
            if (grants.getOrDefault(c, 0) >= count) {
                queuedInRedis.remove(c);
            } else {
                queuedInRedis.add(c);
            }
        });
    }

    private void onFailure(AcquireCall call, RuntimeException error) {
        List<Waiter> batch = call.batch;
        boolean retry = error instanceof AdmissionUnavailableException;
        List<Runnable> after = new ArrayList<>();
        synchronized (lock) {
            inFlight = false;
            call.classes.forEach((c, count) -> {
                if (count > 0) {
                    queuedInRedis.add(c); // unknown: assume so, and tell Redis when the class empties
                }
            });
            for (int i = batch.size() - 1; i >= 0; i--) {
                Waiter w = batch.get(i);
                // A grant made by this call would count from its send time: keep the earliest such time.
                w.uncertainSince = Math.min(w.uncertainSince, call.sentAt);
                w.uncertain = true;
                w.lastError = error;
                if (w.isSettled()) {
                    after.add(() -> outcomes.abandoned(w));
                } else if (w.tryOnly || !retry) {
                    after.add(() -> outcomes.failed(w, error));
                } else {
                    requeueFirst(w);
                }
            }
            if (retry && !closed) {
                paused = true;
                try {
                    timer.schedule(this::resume, errorDelay, TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    paused = false; // closing
                }
                errorDelay = Math.min(errorDelay * 2, ERROR_BACKOFF_MAX);
            }
        }
        after.forEach(Runnable::run);
    }

    private void requeueFirst(Waiter w) {
        if (w.tryOnly) {
            tries.add(0, w);
        } else {
            waiting.computeIfAbsent(w.waitClass, c -> new ArrayDeque<>()).addFirst(w);
        }
    }
}
