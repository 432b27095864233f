package dev.harvest.execution;

import dev.harvest.task.TaskOutcome;
import java.time.Instant;

/**
 * The end of one attempt.
 *
 * @param keyId     the key the attempt used (never its secret), or null
 * @param startedAt when the handler was called (admission time excluded); null if it never was
 * @param leaseLost true when the lease could no longer be trusted by the time the handler finished
 */
public record Completion(Execution execution, TaskOutcome outcome, String keyId, Instant startedAt,
                         Instant completedAt, boolean leaseLost) {

    /** An attempt that ended at {@code at} before its handler was called: no key, no start. */
    static Completion withoutCall(Execution execution, TaskOutcome outcome, Instant at) {
        return new Completion(execution, outcome, null, null, at, false);
    }
}
