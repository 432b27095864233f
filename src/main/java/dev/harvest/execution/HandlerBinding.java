package dev.harvest.execution;

import java.time.Duration;
import java.util.Objects;

/**
 * A handler and what its tasks must hold while they run.
 *
 * @param keyPool  pool to lease a key from, or null
 * @param permits  semaphore to take a permit of, or null
 * @param timeout  bound on one attempt; past it the attempt counts as a transient failure
 * @param breaker  the handler's circuit breaker, or null for none
 */
public record HandlerBinding(TaskHandler handler, String keyPool, String permits, Duration timeout,
                             HandlerBreaker breaker) {

    public HandlerBinding {
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(timeout, "timeout");
    }

    /** A binding without a circuit breaker. */
    public HandlerBinding(TaskHandler handler, String keyPool, String permits, Duration timeout) {
        this(handler, keyPool, permits, timeout, null);
    }
}
