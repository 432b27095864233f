package dev.harvest.lease.redis;

import dev.harvest.lease.AdmissionUnavailableException;
import dev.harvest.lease.Lease;
import dev.harvest.lease.redis.Waiter.WaitClass;
import dev.harvest.redis.ScriptReply;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The JVM's admission requests ({@link WaitQueues}) and the one acquire call in flight ("group commit"): while a
 * call is on the wire, new requests queue, and the next call carries all of them, highest lane first, FIFO within
 * a lane.
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

    /** What happens to a waiter once Redis answered; implemented by {@link Settlement}. */
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
    /** Runs after an answer left requests waiting that Redis found nothing free for (kept leases may serve them). */
    private final Runnable afterRefusal;

    private final Object lock = new Object();
    private final WaitQueues queues = new WaitQueues();
    private boolean inFlight;
    /** Wake-ups so far: one that arrives while a call is on the wire must not be lost (see onReply). */
    private long wakes;
    private boolean paused;
    private boolean closed;
    private long errorDelay = ERROR_BACKOFF_MIN;

    AcquireBatcher(AdmissionScripts scripts, AdmissionOptions options, LongSupplier ticker, ScheduledExecutorService timer,
                   String instanceId, Outcomes outcomes, Runnable afterRefusal) {
        this.scripts = scripts;
        this.afterRefusal = afterRefusal;
        this.options = options;
        this.ticker = ticker;
        this.timer = timer;
        this.instanceId = instanceId;
        this.outcomes = outcomes;
        this.polls = new PollTimer(options, timer, this::wake);
    }

    void submit(Waiter waiter) {
        synchronized (lock) {
            queues.add(waiter);
        }
        pump();
    }

    /** Something may have come free: try every blocked class again. */
    void wake() {
        synchronized (lock) {
            wakes++;
            queues.unblockAll();
        }
        pump();
    }

    /** Ends a pause (error backoff, pool sync). */
    void resume() {
        synchronized (lock) {
            paused = false;
            queues.unblockAll();
        }
        pump();
    }

    /** Takes out a waiter that gave up; when it was the last of its class, Redis is told at the next call. */
    void remove(Waiter waiter) {
        boolean left;
        synchronized (lock) {
            left = queues.remove(waiter);
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
        WaitQueues.Taken taken;
        synchronized (lock) {
            if (closed) {
                return null;
            }
            taken = queues.takeForReuse(c);
        }
        if (taken.left()) {
            pump();
        }
        return taken.waiter();
    }

    /** Whether a request of any lane waits here (not on the wire) for {@code c}'s pool or semaphore. */
    boolean anyWaitsFor(WaitClass c) {
        synchronized (lock) {
            return queues.anyWaitsFor(c);
        }
    }

    int waitingCount() {
        synchronized (lock) {
            return queues.size();
        }
    }

    /** For diagnostics: the state of the queue and of the call in flight. */
    String describe() {
        synchronized (lock) {
            return queues.describe() + " inFlight=" + inFlight + " paused=" + paused + " poll=" + polls.describe();
        }
    }

    /** Stops sending; returns the waiters not yet settled, for the caller to fail. */
    List<Waiter> close() {
        polls.close();
        synchronized (lock) {
            closed = true;
            return queues.clear();
        }
    }

    private void pump() {
        AcquireCall call;
        synchronized (lock) {
            if (inFlight || paused || closed) {
                return;
            }
            List<Waiter> batch = queues.takeBatch(options.maxBatch());
            if (batch.isEmpty() && !queues.hasLeaving()) {
                return;
            }
            call = new AcquireCall(batch, queues.waitingPerClass(batch), wakes);
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
                        queues.requeueFirst(w);
                    } else {
                        after.add(() -> outcomes.failed(w, new IllegalStateException(
                                "redis does not know " + w.describeNeed() + " even after a pool sync")));
                    }
                } else if (w.tryOnly) {
                    after.add(() -> outcomes.nothingFree(w));
                } else {
                    w.refused = true;
                    queues.requeueFirst(w);
                    if (!wokenMeanwhile) {
                        queues.block(w.waitClass);
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
        if (stillWaiting) {
            afterRefusal.run();
        }
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
        call.classes.forEach((c, count) -> queues.queuedInRedis(c, grants.getOrDefault(c, 0) < count));
    }

    private void onFailure(AcquireCall call, RuntimeException error) {
        List<Waiter> batch = call.batch;
        boolean retry = error instanceof AdmissionUnavailableException;
        List<Runnable> after = new ArrayList<>();
        synchronized (lock) {
            inFlight = false;
            call.classes.forEach((c, count) -> {
                if (count > 0) {
                    queues.queuedInRedis(c, true); // unknown: assume so, and tell Redis when the class empties
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
                    queues.requeueFirst(w);
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
}
