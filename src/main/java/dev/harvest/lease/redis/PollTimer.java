package dev.harvest.lease.redis;

import dev.harvest.lease.redis.AdmissionOptions.WakeUp;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * When blocked waiters are tried again without a wake-up message. Polling backs off (pollMin doubling up to
 * pollMax) while tries keep failing and starts again from pollMin after a grant; with pub/sub it is only the
 * safety net (pollMax) for lost messages and for expiries and cooldown ends, which publish nothing. The server's
 * hint (next expiry, cooldown end, end of a hand-off grace, room in a rate or budget window) caps the delay either
 * way. When the server says the waiters wait for time alone, they sleep until its hint (up to
 * {@link #TIME_ONLY_MAX} polls apart, for keys added at runtime) instead of polling. At most one poll is due.
 */
final class PollTimer {

    /** Longest sleep on a time-only hint: a key added at runtime is noticed within this. */
    static final long TIME_ONLY_MAX = TimeUnit.SECONDS.toNanos(10);

    private final AdmissionOptions options;
    private final ScheduledExecutorService timer;
    private final Runnable wake;
    private ScheduledFuture<?> due;
    private long dueAt;
    private long generation;
    private long backoff;
    private boolean closed;

    PollTimer(AdmissionOptions options, ScheduledExecutorService timer, Runnable wake) {
        this.options = options;
        this.timer = timer;
        this.wake = wake;
        this.backoff = options.pollMin().toNanos();
    }

    /**
     * @param hintMillis the server's hint, or -1
     * @param progress   whether the call that left waiters blocked granted anything
     * @param timeOnly   whether the waiters wait for time alone, so that the hint is when to try again
     */
    synchronized void schedule(long hintMillis, boolean progress, boolean timeOnly) {
        boolean polling = options.wakeUp() == WakeUp.POLLING;
        long delay = timeOnly && hintMillis >= 0 ? TIME_ONLY_MAX : polling ? backoff : options.pollMax().toNanos();
        if (progress) {
            backoff = options.pollMin().toNanos();
        } else if (polling) {
            backoff = Math.min(Math.max(1, backoff * 2), options.pollMax().toNanos());
        }
        if (hintMillis >= 0) {
            delay = Math.min(delay, TimeUnit.MILLISECONDS.toNanos(hintMillis + 1));
        }
        long at = System.nanoTime() + delay;
        if (closed || (due != null && dueAt - at <= 0)) {
            return; // an earlier poll is due anyway
        }
        if (due != null) {
            due.cancel(false);
        }
        long mine = ++generation;
        dueAt = at;
        try {
            due = timer.schedule(() -> fire(mine), delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            due = null; // shutting down
        }
    }

    /**
     * The poll forgets itself before it wakes: the reply to the call it triggers may arrive while this task still
     * runs, and must then be able to schedule the next poll.
     */
    private void fire(long mine) {
        synchronized (this) {
            if (mine == generation) {
                due = null;
            }
        }
        wake.run();
    }

    synchronized String describe() {
        return due == null ? "none" : ((dueAt - System.nanoTime()) / 1_000_000) + "ms";
    }

    synchronized void close() {
        closed = true;
        if (due != null) {
            due.cancel(false);
        }
    }
}
