package dev.harvest.lease.redis;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times out admission requests whose longest wait has passed. A wait under {@link #SWEPT_FROM} gets a timer task of
 * its own, cancelled when the request settles. Longer waits ({@code admissionWait} is 30 s) are mostly granted
 * within milliseconds, so rather than a task scheduled in and cancelled from the timer's queue for each (one lock
 * for all threads), they are filed by the {@value #TICK_MILLIS} ms tick in which they end: a request leaves its
 * tick's set when it settles, and a sweep every tick times out what is left in the ticks that have passed. The
 * sweep touches only overdue requests, never the many still waiting or the settled ones.
 */
final class RequestTimeouts {

    private static final Logger LOG = LoggerFactory.getLogger(RequestTimeouts.class);

    /** Waits at least this long are timed out by the sweep, up to two ticks after they end. */
    static final Duration SWEPT_FROM = Duration.ofSeconds(1);
    private static final long TICK_MILLIS = 10;
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);

    private final ScheduledExecutorService timer;
    private final BiConsumer<Waiter, Duration> onDue;
    /** Tick (nanoTime / TICK_NANOS) by which a wait has ended → the unsettled requests whose wait ends then. */
    private final ConcurrentSkipListMap<Long, Set<Waiter>> byTick = new ConcurrentSkipListMap<>();

    /** @param onDue called on the timer's thread with a request whose {@code maxWait} (the second value) passed */
    RequestTimeouts(ScheduledExecutorService timer, BiConsumer<Waiter, Duration> onDue) {
        this.timer = timer;
        this.onDue = onDue;
        timer.scheduleWithFixedDelay(this::sweep, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Times out {@code w} after {@code maxWait} unless it settles first. */
    void arm(Waiter w, Duration maxWait) {
        if (maxWait.compareTo(SWEPT_FROM) >= 0) {
            w.maxWait = maxWait;
            long due = System.nanoTime() + maxWait.toNanos();
            // The first tick that starts after the wait's end: the sweep reaches it only once the wait is over.
            Set<Waiter> tick = byTick.computeIfAbsent(Math.floorDiv(due, TICK_NANOS) + 1,
                    t -> ConcurrentHashMap.newKeySet());
            w.sweptIn = tick;
            tick.add(w);
            if (w.isSettled()) {
                tick.remove(w);
            }
        } else {
            w.timeout = timer.schedule(() -> onDue.accept(w, maxWait), Math.max(0, maxWait.toNanos()),
                    TimeUnit.NANOSECONDS);
        }
    }

    /** Requests with a long wait that have not settled yet. */
    int longWaitsTracked() {
        return byTick.values().stream().mapToInt(Set::size).sum();
    }

    /** Forgets every long wait (the control is closing and has failed them). */
    void clear() {
        byTick.clear();
    }

    private void sweep() {
        long passed = Math.floorDiv(System.nanoTime(), TICK_NANOS);
        Map.Entry<Long, Set<Waiter>> tick;
        while ((tick = byTick.firstEntry()) != null && tick.getKey() <= passed) {
            byTick.remove(tick.getKey());
            for (Waiter w : tick.getValue()) {
                if (w.isSettled()) {
                    continue;
                }
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
