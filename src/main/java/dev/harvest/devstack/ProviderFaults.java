package dev.harvest.devstack;

import java.time.Duration;

/** How a {@link MockProvider} misbehaves on purpose: slower answers, or 429 to everything for a while. */
public final class ProviderFaults {

    private volatile double latencyFactor = 1;
    private volatile long refuseUntilNanos = System.nanoTime();

    /** Multiplies every later latency by {@code factor} (1 restores it): a provider that slows down. */
    public void slowDown(double factor) {
        if (!(factor > 0)) {
            throw new IllegalArgumentException("factor must be positive: " + factor);
        }
        latencyFactor = factor;
    }

    /** Answers 429 with {@code Retry-After: 1} to every authenticated call for {@code duration} from now. */
    public void refuseAllFor(Duration duration) {
        refuseUntilNanos = System.nanoTime() + duration.toNanos();
    }

    boolean refusing() {
        return refuseUntilNanos - System.nanoTime() > 0;
    }

    long stretch(long latencyNanos) {
        return (long) (latencyNanos * latencyFactor);
    }
}
