package dev.harvest.bench;

import java.util.ArrayDeque;

/**
 * Permits held in the process and granted in the order asked for: the delayed pass-through's stand-in for the
 * pipeline's semaphore, with no Redis, leases or keys, so that it shows what a fixed number of permits alone does
 * to the latency of tasks that reach them in Kafka Streams' bursts. A grant runs on the thread that asked, when a
 * permit is free, or on the thread that released the permit it gets.
 */
final class FifoPermits {

    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    private int free;

    /** @param permits how many; {@link Integer#MAX_VALUE} for as many as asked for */
    FifoPermits(int permits) {
        if (permits < 1) {
            throw new IllegalArgumentException("permits must be at least 1, not " + permits);
        }
        this.free = permits;
    }

    /** Runs {@code granted} once a permit is held for it, after those asked for before it. */
    void acquire(Runnable granted) {
        synchronized (this) {
            if (free == 0) {
                waiting.add(granted);
                return;
            }
            free--;
        }
        granted.run();
    }

    /** Gives a permit back: to the longest waiting, if any. */
    void release() {
        Runnable next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                free++;
                return;
            }
        }
        next.run();
    }
}
