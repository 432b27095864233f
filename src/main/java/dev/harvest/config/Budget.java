package dev.harvest.config;

import dev.harvest.task.Cost;
import java.time.Duration;

/**
 * At most {@code units} of cost admitted on one key in any window of length {@code per} (a sliding window,
 * measured in Redis server time). A task costs its declared {@code cost}, or 1 without one; a handler's reported
 * actual cost settles the reservation.
 */
public record Budget(Double units, Duration per) {

    public Budget {
        if (units == null || !Cost.isValid(units)) {
            throw new ConfigException("units", "must be a number > 0 and <= 1e9, was " + units);
        }
        Check.positive("per", per);
        if (per.toMillis() < 1) {
            throw new ConfigException("per", "must be at least 1ms, was " + Durations.format(per));
        }
    }

    /** The budget in millionths of a unit, as admission counts it. */
    public long micros() {
        return Cost.toMicros(units);
    }
}
