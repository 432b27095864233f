package dev.harvest.config;

import java.time.Duration;

/**
 * At most {@code requests} admissions of one key in any window of length {@code per} (a sliding window, measured
 * in Redis server time).
 */
public record RateLimit(Integer requests, Duration per) {

    public RateLimit {
        Check.positive("requests", requests == null ? 0 : requests);
        Check.positive("per", per);
        if (per.toMillis() < 1) {
            throw new ConfigException("per", "must be at least 1ms, was " + Durations.format(per));
        }
    }
}
