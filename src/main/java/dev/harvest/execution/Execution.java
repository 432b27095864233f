package dev.harvest.execution;

import dev.harvest.task.Attempt;
import dev.harvest.task.Lane;
import dev.harvest.task.Task;
import java.util.Objects;

/**
 * One attempt handed to the dispatcher.
 *
 * @param entryId     the caller's handle for the attempt (the in-flight store key), echoed in the completion
 * @param mayBeReplay whether an earlier run of the task may have completed (a record an earlier owner of its
 *                    partition may have run, an attempt resubmitted from the in-flight store, a retry): only then
 *                    is the idempotency ledger asked before the call
 */
public record Execution(String entryId, Task task, Attempt attempt, Lane lane, boolean mayBeReplay) {

    public Execution {
        Objects.requireNonNull(entryId, "entryId");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(attempt, "attempt");
        Objects.requireNonNull(lane, "lane");
    }
}
