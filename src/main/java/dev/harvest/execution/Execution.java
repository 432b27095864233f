package dev.harvest.execution;

import dev.harvest.task.Attempt;
import dev.harvest.task.Lane;
import dev.harvest.task.Task;
import java.util.Objects;

/**
 * One attempt handed to the dispatcher.
 *
 * @param entryId the caller's handle for the attempt (the in-flight store key), echoed in the completion
 */
public record Execution(String entryId, Task task, Attempt attempt, Lane lane) {

    public Execution {
        Objects.requireNonNull(entryId, "entryId");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(attempt, "attempt");
        Objects.requireNonNull(lane, "lane");
    }
}
