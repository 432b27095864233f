package dev.harvest.lease.redis;

import java.time.Duration;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times out admission requests whose longest wait has passed. A wait under {@link #SWEPT_FROM} gets a timer task of
 * its own, cancelled when the request settles. Longer waits ({@code admissionWait} is 30 s) are mostly granted
 * within milliseconds, so rather than a task scheduled in and cancelled from the timer's queue for each (one lock
 * for all threads), a sweep every {@value #SWEEP_MILLIS} ms times out the overdue ones and drops the settled ones.
 */
final class RequestTimeouts {

    private static final Logger LOG = LoggerFactory.getLogger(RequestTimeouts.class);

    /** Waits at least this long are timed out by the sweep, up to {@value #SWEEP_MILLIS} ms after they end. */
    static final Duration SWEPT_FROM = Duration.ofSeconds(1);
    private static final long SWEEP_MILLIS = 10;

    private final ScheduledExecutorService timer;
    private final BiConsumer<Waiter, Duration> onDue;
    private final Set<Waiter> longWaits = ConcurrentHashMap.newKeySet();

    /** @param onDue called on the timer's thread with a request whose {@code maxWait} (the second value) passed */
    RequestTimeouts(ScheduledExecutorService timer, BiConsumer<Waiter, Duration> onDue) {
        this.timer = timer;
        this.onDue = onDue;
        timer.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Times out {@code w} after {@code maxWait} unless it settles first. */
    void arm(Waiter w, Duration maxWait) {
        if (maxWait.compareTo(SWEPT_FROM) >= 0) {
            w.maxWait = maxWait;
            w.dueNanos = System.nanoTime() + maxWait.toNanos();
            longWaits.add(w);
        } else {
            w.timeout = timer.schedule(() -> onDue.accept(w, maxWait), Math.max(0, maxWait.toNanos()),
                    TimeUnit.NANOSECONDS);
        }
    }

    /** Requests with a long wait the sweep still tracks (settled ones leave at its next pass). */
    int longWaitsTracked() {
        return longWaits.size();
    }

    /** Forgets every long wait (the control is closing and has failed them). */
    void clear() {
        longWaits.clear();
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Iterator<Waiter> it = longWaits.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (w.isSettled()) {
                it.remove();
            } else if (now - w.dueNanos >= 0) {
                it.remove();
                try {
                    onDue.accept(w, w.maxWait);
                } catch (RuntimeException e) {
                    // The sweep must go on for the others (a periodic task that throws is not run again).
                    LOG.warn("timing out an admission request failed: {}", e.toString());
                }
            }
        }
    }
}
