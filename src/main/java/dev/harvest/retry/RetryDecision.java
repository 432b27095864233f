package dev.harvest.retry;

import java.time.Duration;

/** What to do with a transient failure: send it to a delay tier, or give up. */
public sealed interface RetryDecision {

    /**
     * Retry through tier {@code tier} (0-based), whose topic is {@code topic}, no earlier than {@code delay}
     * from now.
     */
    record Retry(int tier, String topic, Duration delay) implements RetryDecision {
    }

    /** The task used up its attempts. */
    record GiveUp(int attempts) implements RetryDecision {
    }
}
