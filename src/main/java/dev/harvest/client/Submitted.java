package dev.harvest.client;

import java.util.concurrent.CompletableFuture;

/**
 * A task handed to Kafka: the id and idempotency key it was sent with, and {@code written}, which completes when the
 * broker acknowledged the record (or fails with the broker's reason).
 */
public record Submitted(String taskId, String idempotencyKey, String lane, CompletableFuture<Written> written) {

    /** Where the record landed. */
    public record Written(String topic, int partition, long offset) {
    }
}
