package dev.harvest.execution;

import dev.harvest.task.TaskOutcome;
import java.util.concurrent.CompletionStage;

/**
 * Runs one attempt of a task against the outside world. Implementations must not block the calling thread:
 * they return a stage that completes when the remote call does. A stage that fails is classified by
 * {@link OutcomeClassifier} (timeouts and I/O errors retry, everything else is a permanent failure).
 */
@FunctionalInterface
public interface TaskHandler extends AutoCloseable {

    CompletionStage<TaskOutcome> handle(TaskContext context);

    @Override
    default void close() {
    }
}
