package dev.harvest.lease;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Remembers which tasks already have an outcome, shared by every instance, so that a task replayed after a crash
 * or a rebalance is not sent to the provider a second time: its recorded result is published instead.
 */
public interface IdempotencyLedger {

    /** The recorded result (JSON) of {@code taskId}, if the task completed before. */
    CompletionStage<Optional<String>> recorded(String taskId);

    /** Records that {@code taskId} completed with {@code resultJson}. */
    CompletionStage<Void> record(String taskId, String resultJson);

    /** A ledger that remembers nothing (single instance without Redis). */
    static IdempotencyLedger none() {
        return new IdempotencyLedger() {
            @Override
            public CompletionStage<Optional<String>> recorded(String taskId) {
                return java.util.concurrent.CompletableFuture.completedFuture(Optional.empty());
            }

            @Override
            public CompletionStage<Void> record(String taskId, String resultJson) {
                return java.util.concurrent.CompletableFuture.completedFuture(null);
            }
        };
    }
}
