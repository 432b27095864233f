package dev.harvest.execution;

import java.time.Duration;
import java.util.Objects;

/**
 * A handler and what its tasks must hold while they run.
 *
 * @param keyPool  pool to lease a key from, or null
 * @param permits  semaphore to take a permit of, or null
 * @param timeout  bound on one attempt; past it the attempt counts as a transient failure
 */
public record HandlerBinding(TaskHandler handler, String keyPool, String permits, Duration timeout) {

    public HandlerBinding {
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(timeout, "timeout");
    }
}
