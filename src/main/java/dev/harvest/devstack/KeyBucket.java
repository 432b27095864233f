package dev.harvest.devstack;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Counters and the token bucket of one key of the mock provider. */
final class KeyBucket {
    final AtomicLong calls = new AtomicLong();
    final AtomicLong rateLimited = new AtomicLong();
    final AtomicLong serverErrors = new AtomicLong();
    final AtomicLong completed = new AtomicLong();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    private final double rps;
    private double tokens;
    private long refilledAt = System.nanoTime();

    KeyBucket(double rps) {
        this.rps = rps;
        this.tokens = rps;
    }

    /** Takes a token: 0 when granted, else the nanoseconds until one is due. Unlimited when rps <= 0. */
    synchronized long tryTake() {
        if (rps <= 0) {
            return 0;
        }
        long now = System.nanoTime();
        tokens = Math.min(rps, tokens + (now - refilledAt) * rps / 1e9);
        refilledAt = now;
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return (long) Math.ceil((1 - tokens) / rps * 1e9);
    }

    MockProvider.KeyStats snapshot(String id) {
        return new MockProvider.KeyStats(id, calls.get(), rateLimited.get(), serverErrors.get(), completed.get(),
                inFlight.get(), maxInFlight.get());
    }

    /** Daemon threads named {@code prefix1, prefix2, ...}. */
    static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
