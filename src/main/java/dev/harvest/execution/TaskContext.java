package dev.harvest.execution;

import dev.harvest.lease.KeySecret;
import dev.harvest.task.Attempt;
import dev.harvest.task.Lane;
import dev.harvest.task.Task;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Everything a handler needs for one attempt.
 *
 * @param keyId  id of the leased API key, or null when the handler uses no key pool
 * @param secret that key's secret, or null; {@link KeySecret#toString()} hides it
 * @param leaseHeld whether the attempt's lease is still this instance's; a handler asks it at the last moment
 *                  before its request leaves the process
 */
public record TaskContext(Task task, Attempt attempt, Lane lane, String keyId, KeySecret secret,
                          BooleanSupplier leaseHeld) {

    public TaskContext {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(attempt, "attempt");
        Objects.requireNonNull(lane, "lane");
        Objects.requireNonNull(leaseHeld, "leaseHeld");
    }

    /** A context whose lease is always held (no lease, or one nobody can take away). */
    public TaskContext(Task task, Attempt attempt, Lane lane, String keyId, KeySecret secret) {
        this(task, attempt, lane, keyId, secret, () -> true);
    }

    public boolean isLeaseHeld() {
        return leaseHeld.getAsBoolean();
    }

    public Optional<KeySecret> secretOpt() {
        return Optional.ofNullable(secret);
    }
}
