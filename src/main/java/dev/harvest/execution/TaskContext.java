package dev.harvest.execution;

import dev.harvest.lease.KeySecret;
import dev.harvest.task.Attempt;
import dev.harvest.task.Lane;
import dev.harvest.task.Task;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a handler needs for one attempt.
 *
 * @param keyId  id of the leased API key, or null when the handler uses no key pool
 * @param secret that key's secret, or null; {@link KeySecret#toString()} hides it
 */
public record TaskContext(Task task, Attempt attempt, Lane lane, String keyId, KeySecret secret) {

    public TaskContext {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(attempt, "attempt");
        Objects.requireNonNull(lane, "lane");
    }

    public Optional<KeySecret> secretOpt() {
        return Optional.ofNullable(secret);
    }
}
