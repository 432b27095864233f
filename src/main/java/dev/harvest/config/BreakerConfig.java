package dev.harvest.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;

/**
 * The circuit breaker of one handler ({@code handlers.<type>.breaker}). Over the last {@code window} calls (once
 * at least {@code minCalls} were made) the breaker opens when the share of failed calls reaches
 * {@code failureRate} percent, or the share of calls slower than {@code slowCall} reaches {@code slowCallRate}
 * percent. While open, tasks of the handler take no key and no permit and go to the retry path; after
 * {@code wait} the breaker lets {@code halfOpenCalls} probe calls through, and closes when they succeed.
 *
 * @param enabled       {@code false} turns the breaker off
 * @param slowCall      null means the handler's {@code timeout}
 * @param openFor       how long the breaker stays open ({@code wait} in the file)
 */
public record BreakerConfig(Boolean enabled, Integer failureRate, Integer slowCallRate, Duration slowCall,
                            Integer window, Integer minCalls, @JsonProperty("wait") Duration openFor,
                            Integer halfOpenCalls) {

    public BreakerConfig {
        enabled = enabled == null || enabled;
        failureRate = failureRate == null ? 50 : percent("failureRate", failureRate);
        slowCallRate = slowCallRate == null ? 100 : percent("slowCallRate", slowCallRate);
        slowCall = slowCall == null ? null : Check.positive("slowCall", slowCall);
        window = window == null ? 20 : Check.positive("window", window);
        minCalls = minCalls == null ? Math.min(10, window) : Check.positive("minCalls", minCalls);
        if (minCalls > window) {
            throw new ConfigException("minCalls", "must not exceed window (" + window + "), was " + minCalls);
        }
        openFor = openFor == null ? Duration.ofSeconds(10) : Check.positive("wait", openFor);
        halfOpenCalls = halfOpenCalls == null ? 3 : Check.positive("halfOpenCalls", halfOpenCalls);
    }

    /** The breaker a handler gets when its entry has no {@code breaker}. */
    public static BreakerConfig defaults() {
        return new BreakerConfig(null, null, null, null, null, null, null, null);
    }

    /** A copy whose {@code slowCall} is {@code timeout} when none was given. */
    BreakerConfig withSlowCallDefault(Duration timeout) {
        if (slowCall != null) {
            return this;
        }
        return new BreakerConfig(enabled, failureRate, slowCallRate, timeout, window, minCalls, openFor,
                halfOpenCalls);
    }

    private static int percent(String field, int value) {
        if (value < 1 || value > 100) {
            throw new ConfigException(field, "must be a percentage from 1 to 100, was " + value);
        }
        return value;
    }
}
