package dev.harvest.execution;

import java.time.Duration;

/**
 * A graceful stop of this instance's attempts. Once {@link #begin() begun}, no attempt starts: those queued at
 * a lane gate or waiting for admission are handed back (cancelled, their records stay in the in-flight store for
 * the next owner) while those already calling a handler run to the end and have their outcome routed.
 *
 * <p>Lane processors count what they hold: {@link #opened()} when they hand an attempt to the dispatcher,
 * {@link #settled(int)} when it is routed, handed back or dropped on close. {@link #awaitSettled} waits until
 * nothing is held.
 */
public final class Drain {

    private volatile boolean draining;
    private int unsettled;
    private long handedBack;

    /** Stops attempts from starting from now on; idempotent. */
    public void begin() {
        draining = true;
    }

    public boolean isDraining() {
        return draining;
    }

    /** A lane processor handed an attempt to the dispatcher. */
    public synchronized void opened() {
        unsettled++;
    }

    /** {@code n} attempts a lane processor held are routed or dropped. */
    public synchronized void settled(int n) {
        if (n <= 0) {
            return;
        }
        unsettled = Math.max(0, unsettled - n);
        if (unsettled == 0) {
            notifyAll();
        }
    }

    /** {@code n} attempts were handed back without running during the drain. */
    public synchronized void handedBack(int n) {
        handedBack += n;
        settled(n);
    }

    /** Attempts handed to the dispatcher and not yet routed or dropped. */
    public synchronized int unsettled() {
        return unsettled;
    }

    /** Attempts handed back during the drain. */
    public synchronized long handedBackCount() {
        return handedBack;
    }

    /** Waits until nothing is held, for at most {@code timeout}; true when nothing is. */
    public synchronized boolean awaitSettled(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (unsettled > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }
}
