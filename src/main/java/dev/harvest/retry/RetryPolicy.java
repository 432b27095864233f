package dev.harvest.retry;

import dev.harvest.config.RetryConfig;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Backoff by tiers: the failure of attempt {@code n} waits {@code delays[min(n, tiers) - 1]}, spread by
 * {@code ± jitter} so that a burst of failures does not come back as a burst. A provider's own wait
 * ({@code Retry-After}) is honoured when it is longer. Attempt {@code maxAttempts} is the last one.
 */
public final class RetryPolicy {

    private final RetryConfig config;
    private final List<String> tierTopics;
    private final RandomGenerator random;

    public RetryPolicy(RetryConfig config, List<String> tierTopics, RandomGenerator random) {
        this.config = Objects.requireNonNull(config, "config");
        this.tierTopics = List.copyOf(tierTopics);
        this.random = Objects.requireNonNull(random, "random");
        if (tierTopics.size() != config.delays().size()) {
            throw new IllegalArgumentException("one topic per retry delay is required");
        }
    }

    /**
     * Decides after attempt {@code failedAttempt} (1-based) failed transiently.
     *
     * @param atLeast a wait the provider asked for (zero when none)
     */
    public RetryDecision decide(int failedAttempt, Duration atLeast) {
        if (failedAttempt >= config.maxAttempts()) {
            return new RetryDecision.GiveUp(failedAttempt);
        }
        int tier = Math.min(failedAttempt, config.delays().size()) - 1;
        Duration delay = jittered(config.delays().get(tier));
        if (atLeast != null && atLeast.compareTo(delay) > 0) {
            delay = atLeast;
        }
        return new RetryDecision.Retry(tier, tierTopics.get(tier), delay);
    }

    public int maxAttempts() {
        return config.maxAttempts();
    }

    private Duration jittered(Duration base) {
        double jitter = config.jitter();
        if (jitter == 0.0) {
            return base;
        }
        double factor = 1.0 + (random.nextDouble() * 2.0 - 1.0) * jitter;
        return Duration.ofMillis(Math.max(0L, Math.round(base.toMillis() * factor)));
    }
}
