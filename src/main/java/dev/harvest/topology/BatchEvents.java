package dev.harvest.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Records of the {@code <pipeline>.batch-events} topic, keyed by batch id: a declaration
 * {@code {"kind":"declared","size":N,"atMs":T}} written by producers, and an outcome
 * {@code {"kind":"ended","taskId":…,"outcome":"completed"|"dead-lettered","firstSeenMs":…,"endedMs":…}} per
 * batched task, derived from the results and dead-letter topics by the batch tracker.
 */
public final class BatchEvents {

    public static final String DECLARED = "declared";
    public static final String ENDED = "ended";
    public static final String COMPLETED = "completed";
    public static final String DEAD_LETTERED = "dead-lettered";

    private BatchEvents() {
    }

    /**
     * The batch id, checked.
     *
     * @throws IllegalArgumentException when it is blank or longer than {@link TaskCodec#MAX_BATCH_ID}
     */
    public static String checkBatchId(String batchId) {
        if (batchId == null || batchId.isBlank() || batchId.length() > TaskCodec.MAX_BATCH_ID) {
            throw new IllegalArgumentException("batch id must be a non-empty string of at most "
                    + TaskCodec.MAX_BATCH_ID + " characters");
        }
        return batchId;
    }

    /** A batch's declaration: it has {@code size} tasks. */
    public static byte[] declaration(long size, long atMs) {
        if (size < 0) {
            throw new IllegalArgumentException("batch size must not be negative, was " + size);
        }
        ObjectNode n = TaskCodec.mapper().createObjectNode().put("kind", DECLARED).put("size", size).put("atMs", atMs);
        return bytes(n);
    }

    static byte[] ended(String taskId, String outcome, long firstSeenMs, long endedMs) {
        return bytes(TaskCodec.mapper().createObjectNode().put("kind", ENDED).put("taskId", taskId)
                .put("outcome", outcome).put("firstSeenMs", firstSeenMs).put("endedMs", endedMs));
    }

    /** The event, or null when the bytes are not one. */
    static JsonNode parse(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            JsonNode n = TaskCodec.mapper().readTree(value);
            return n != null && n.isObject() && n.path("kind").isTextual() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] bytes(ObjectNode n) {
        try {
            return TaskCodec.mapper().writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
