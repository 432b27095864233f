package dev.harvest.client;

import java.time.Instant;
import java.util.Objects;

/**
 * A task to submit. Only {@code type} is required: a missing {@code id} is filled in with a random UUID, a missing
 * {@code idempotencyKey} with the id (so that a resubmission of the same task is dropped as a duplicate).
 *
 * @param payloadJson the task's payload as JSON text, or null
 * @param cost        what the task is expected to cost (reserved in its key's budget), or null for 1
 * @param batchId     the batch the task belongs to, or null
 */
public record NewTask(String type, String payloadJson, String id, String idempotencyKey, Instant deadline, Double cost,
                      String batchId) {

    public NewTask {
        Objects.requireNonNull(type, "type");
        if (type.isBlank()) {
            throw new IllegalArgumentException("type must not be blank");
        }
    }

    public NewTask(String type, String payloadJson, String id, String idempotencyKey, Instant deadline) {
        this(type, payloadJson, id, idempotencyKey, deadline, null, null);
    }

    public static NewTask of(String type, String payloadJson) {
        return new NewTask(type, payloadJson, null, null, null);
    }

    public NewTask withId(String newId) {
        return new NewTask(type, payloadJson, newId, idempotencyKey, deadline, cost, batchId);
    }

    public NewTask withIdempotencyKey(String key) {
        return new NewTask(type, payloadJson, id, key, deadline, cost, batchId);
    }

    public NewTask withDeadline(Instant newDeadline) {
        return new NewTask(type, payloadJson, id, idempotencyKey, newDeadline, cost, batchId);
    }

    public NewTask withCost(Double newCost) {
        return new NewTask(type, payloadJson, id, idempotencyKey, deadline, newCost, batchId);
    }

    public NewTask withBatchId(String newBatchId) {
        return new NewTask(type, payloadJson, id, idempotencyKey, deadline, cost, newBatchId);
    }
}
