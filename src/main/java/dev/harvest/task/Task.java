package dev.harvest.task;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A unit of work as submitted by a producer.
 *
 * @param id             unique task id
 * @param type           selects the handler (a key of {@code handlers} in the pipeline file)
 * @param payloadJson    the task's {@code payload} as JSON text ({@code null} when absent)
 * @param idempotencyKey caller-chosen key for de-duplication and provider idempotency, may be null
 * @param deadline       instant after which the task is no longer worth running, may be null
 * @param cost           what the task is expected to cost (e.g. tokens), reserved in its key's budget; null for 1
 * @param batchId        the batch the task belongs to, may be null
 */
public record Task(String id, String type, String payloadJson, String idempotencyKey, Instant deadline, Double cost,
                   String batchId) {

    public Task {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        if (cost != null && !Cost.isValid(cost)) {
            throw new IllegalArgumentException("cost must be a number > 0 and <= 1e9, was " + cost);
        }
    }

    /** A task without a declared cost (it costs 1), outside any batch. */
    public Task(String id, String type, String payloadJson, String idempotencyKey, Instant deadline) {
        this(id, type, payloadJson, idempotencyKey, deadline, null, null);
    }

    /** A task outside any batch. */
    public Task(String id, String type, String payloadJson, String idempotencyKey, Instant deadline, Double cost) {
        this(id, type, payloadJson, idempotencyKey, deadline, cost, null);
    }

    /** The cost admission reserves: the declared one, else 1. */
    public double effectiveCost() {
        return cost == null ? 1 : cost;
    }

    /** The key a provider should use to recognise a repeated call: the idempotency key, else the id. */
    public String effectiveIdempotencyKey() {
        return idempotencyKey == null || idempotencyKey.isBlank() ? id : idempotencyKey;
    }

    public Optional<Instant> deadlineOpt() {
        return Optional.ofNullable(deadline);
    }

    /** True when the task has a deadline and it is not after {@code now}. */
    public boolean isExpiredAt(Instant now) {
        return deadline != null && !deadline.isAfter(now);
    }
}
