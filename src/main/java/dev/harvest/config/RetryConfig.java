package dev.harvest.config;

import java.time.Duration;
import java.util.List;

/**
 * Retry tiers: attempt {@code n} (n starting at 1) that fails transiently waits {@code delays[min(n, size) - 1]}
 * (plus or minus {@code jitter} as a fraction); after {@code maxAttempts} attempts the task is dead-lettered.
 */
public record RetryConfig(List<Duration> delays, Integer maxAttempts, Double jitter) {

    public RetryConfig {
        delays = List.copyOf(Check.notEmpty("delays", Check.noEmptyEntries("delays", delays)));
        for (int i = 0; i < delays.size(); i++) {
            Check.positive("delays[" + i + "]", delays.get(i));
        }
        if (delays.stream().map(Durations::format).distinct().count() != delays.size()) {
            throw new ConfigException("delays", "must not repeat a delay (each delay is its own topic)");
        }
        maxAttempts = maxAttempts == null ? delays.size() + 1 : Check.positive("maxAttempts", maxAttempts);
        jitter = jitter == null ? 0.2 : Check.fraction("jitter", jitter);
        if (jitter >= 1.0) {
            throw new ConfigException("jitter", "must be below 1, was " + jitter);
        }
    }

    public static RetryConfig defaults() {
        return new RetryConfig(List.of(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(1)), 4, 0.2);
    }
}
