package dev.harvest.lease.redis;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times out admission requests whose longest wait has passed. Requests given the same longest wait come due in the
 * order they were made, so they wait in one first-in-first-out line, and one timer task serves the line: it hands
 * the due requests at its head to {@code onDue}, drops the ones settled meanwhile, and is scheduled again for the
 * next head. Per request that is one queue offer and poll, instead of a task scheduled in, and cancelled from, the
 * timer's shared heap. A request settled while an older one still waits stays in the line as an empty entry until
 * it reaches the head. Deadlines are on {@link System#nanoTime()}, the timer's own clock. A caller that gives many
 * different waits gets {@value #MAX_LINES} lines; a request with any further wait gets a timer task of its own.
 */
final class WaitDeadlines {

    private static final Logger LOG = LoggerFactory.getLogger(WaitDeadlines.class);
    static final int MAX_LINES = 64;

    /** One request's place in a line; {@code waiter} is cleared when the request settles. */
    static final class Entry {
        final long due;
        volatile Waiter waiter;

        Entry(long due, Waiter waiter) {
            this.due = due;
            this.waiter = waiter;
        }
    }

    private final ScheduledExecutorService timer;
    private final BiConsumer<Waiter, Duration> onDue;
    private final Map<Long, Line> lines = new ConcurrentHashMap<>();

    /** @param onDue called on the timer's thread with a request whose {@code maxWait} (the second value) passed */
    WaitDeadlines(ScheduledExecutorService timer, BiConsumer<Waiter, Duration> onDue) {
        this.timer = timer;
        this.onDue = onDue;
    }

    /** Times out {@code w} after {@code maxWait} unless it settles first ({@link Waiter#settle} clears its entry). */
    void add(Waiter w, Duration maxWait) {
        long wait = Math.max(0, maxWait.toNanos());
        Entry entry = new Entry(System.nanoTime() + wait, w);
        w.deadline = entry;
        Line line = lines.get(wait);
        if (line == null && lines.size() >= MAX_LINES) {
            timer.schedule(() -> expire(entry, maxWait), wait, TimeUnit.NANOSECONDS);
            return;
        }
        if (line == null) {
            line = lines.computeIfAbsent(wait, Line::new);
        }
        line.queue.offer(entry);
        line.arm(entry.due);
    }

    /** Lines in use: one per distinct longest wait, up to {@value #MAX_LINES}. */
    int lines() {
        return lines.size();
    }

    private void expire(Entry entry, Duration maxWait) {
        Waiter w = entry.waiter;
        if (w == null) {
            return;
        }
        try {
            onDue.accept(w, maxWait);
        } catch (RuntimeException e) {
            LOG.warn("timing out an admission request failed: {}", e.toString());
        }
    }

    /** Entries waiting in all lines, settled ones included (for tests and gauges). */
    int size() {
        return lines.values().stream().mapToInt(l -> l.queue.size()).sum();
    }

    private final class Line implements Runnable {

        final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean armed = new AtomicBoolean();
        private final Duration maxWait;

        Line(long waitNanos) {
            this.maxWait = Duration.ofNanos(waitNanos);
        }

        void arm(long due) {
            if (armed.compareAndSet(false, true)) {
                schedule(due);
            }
        }

        private void schedule(long due) {
            try {
                timer.schedule(this, Math.max(0, due - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closed) {
                armed.set(false);
            }
        }

        @Override
        public void run() {
            long now = System.nanoTime();
            Entry head;
            while ((head = queue.peek()) != null) {
                Waiter w = head.waiter;
                if (w != null && head.due - now > 0) {
                    break;
                }
                queue.poll();
                expire(head, maxWait);
            }
            if (head != null) {
                schedule(head.due);
                return;
            }
            armed.set(false);
            // A request added after the line looked empty, before it was disarmed: its add() found it armed.
            Entry late = queue.peek();
            if (late != null && armed.compareAndSet(false, true)) {
                schedule(late.due);
            }
        }
    }
}
