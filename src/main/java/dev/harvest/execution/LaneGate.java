package dev.harvest.execution;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;

/**
 * Caps how many attempts of one lane execute at once in this JVM ({@code maxInFlight}); the rest queue in
 * arrival order. Never blocks: {@link #enter(Runnable)} runs the work now, or later on {@code executor}
 * (never on the releasing thread's stack, so a chain of instant completions cannot grow the stack).
 */
public final class LaneGate {

    private final int limit;
    private final Executor executor;
    private final Queue<Runnable> queued = new ArrayDeque<>();
    private int running;
    private int maxSeen;

    public LaneGate(int limit, Executor executor) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be > 0");
        }
        this.limit = limit;
        this.executor = executor;
    }

    /** Runs {@code work} now when there is room, else when an earlier attempt leaves. */
    public void enter(Runnable work) {
        synchronized (this) {
            if (running >= limit) {
                queued.add(work);
                return;
            }
            running++;
            maxSeen = Math.max(maxSeen, running);
        }
        work.run();
    }

    /** An attempt left: start the next queued one, if any. */
    public void leave() {
        Runnable next;
        synchronized (this) {
            next = queued.poll();
            if (next == null) {
                running--;
                return;
            }
        }
        executor.execute(next);
    }

    public synchronized int running() {
        return running;
    }

    public synchronized int queued() {
        return queued.size();
    }

    /** Highest number of attempts seen running at once. */
    public synchronized int maxSeen() {
        return maxSeen;
    }

    public int limit() {
        return limit;
    }
}
