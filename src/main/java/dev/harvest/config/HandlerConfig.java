package dev.harvest.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * How tasks of one type run. {@code kind} picks a built-in handler: {@code http} (calls {@code url}) or
 * {@code simulated} (sleeps {@code latency} off-thread and fails at the given rates).
 * {@code keyPool} and {@code permits} name what a task must hold while it runs (both optional).
 * {@code breaker} is the handler's circuit breaker: on unless {@code breaker.enabled} is false.
 */
public record HandlerConfig(String kind, String method, String url, Duration timeout, Duration latency,
                            Double failureRate, Double rateLimitRate, Double poisonRate, String keyPool,
                            String permits, BreakerConfig breaker) {

    private static final Set<String> KINDS = Set.of("http", "simulated");
    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");

    public HandlerConfig {
        Check.notBlank("kind", kind);
        if (!KINDS.contains(kind)) {
            throw new ConfigException("kind", "must be one of " + KINDS + ", was '" + kind + "'");
        }
        timeout = timeout == null ? Duration.ofSeconds(30) : Check.positive("timeout", timeout);
        method = method == null ? "POST" : method.toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
            throw new ConfigException("method", "must be one of " + METHODS + ", was '" + method + "'");
        }
        if (kind.equals("http")) {
            Check.notBlank("url", url);
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new ConfigException("url", "must start with http:// or https://");
            }
        }
        latency = latency == null ? Duration.ofMillis(20) : Check.notNegative("latency", latency);
        failureRate = failureRate == null ? 0.0 : Check.fraction("failureRate", failureRate);
        rateLimitRate = rateLimitRate == null ? 0.0 : Check.fraction("rateLimitRate", rateLimitRate);
        poisonRate = poisonRate == null ? 0.0 : Check.fraction("poisonRate", poisonRate);
        if (failureRate + rateLimitRate + poisonRate > 1.0) {
            throw new ConfigException("failureRate", "failureRate + rateLimitRate + poisonRate must not exceed 1");
        }
        breaker = (breaker == null ? BreakerConfig.defaults() : breaker).withSlowCallDefault(timeout);
        if (breaker.slowCall().compareTo(timeout) > 0) {
            throw new ConfigException("breaker.slowCall", "must not exceed the handler's timeout ("
                    + Durations.format(timeout) + "), was " + Durations.format(breaker.slowCall()));
        }
    }

    /** A handler with the default breaker. */
    public HandlerConfig(String kind, String method, String url, Duration timeout, Duration latency,
                         Double failureRate, Double rateLimitRate, Double poisonRate, String keyPool, String permits) {
        this(kind, method, url, timeout, latency, failureRate, rateLimitRate, poisonRate, keyPool, permits, null);
    }
}
