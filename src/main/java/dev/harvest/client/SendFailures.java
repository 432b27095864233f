package dev.harvest.client;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The sends of a producer that failed since the last {@link #check()}: producer callbacks {@link #record} them,
 * and a flush turns them into one error saying how many and the first reason. Those that succeeded are counted.
 */
public final class SendFailures {

    private final AtomicLong failed = new AtomicLong();
    private final LongAdder acknowledged = new LongAdder();
    private final AtomicReference<Exception> first = new AtomicReference<>();

    /** Producer callback side: {@code error} is null for a send that succeeded. */
    public void record(Exception error) {
        if (error != null) {
            failed.incrementAndGet();
            first.compareAndSet(null, error);
        } else {
            acknowledged.increment();
        }
    }

    /** Sends the broker acknowledged so far. */
    public long acknowledged() {
        return acknowledged.sum();
    }

    /**
     * Clears what was recorded.
     *
     * @throws IllegalStateException when any send failed since the last check, with how many and the first reason
     */
    public void check() {
        long n = failed.getAndSet(0);
        Exception error = first.getAndSet(null);
        if (n > 0) {
            throw new IllegalStateException(n + " task record(s) were not written to Kafka: " + rootMessage(error),
                    error);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t != null && t.getCause() != null) {
            t = t.getCause();
        }
        return t == null ? "unknown reason" : t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
