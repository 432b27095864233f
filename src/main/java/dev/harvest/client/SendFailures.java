package dev.harvest.client;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The sends of a producer that failed since the last {@link #check()}: producer callbacks {@link #record} them,
 * and a flush turns them into one error saying how many and the first reason.
 */
public final class SendFailures {

    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> first = new AtomicReference<>();

    /** Producer callback side: {@code error} is null for a send that succeeded. */
    public void record(Exception error) {
        if (error != null) {
            failed.incrementAndGet();
            first.compareAndSet(null, error);
        }
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
