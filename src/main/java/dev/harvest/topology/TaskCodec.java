package dev.harvest.topology;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.harvest.task.Cost;
import dev.harvest.task.Task;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Task records as JSON: {@code {"id","type","payload","idempotencyKey","deadline","cost","batchId"}};
 * {@code cost} is an optional number > 0 and <= 1e9. Parsing never throws for
 * bad input; it returns a {@link Parsed} that says what is wrong, so the record can be dead-lettered.
 */
public final class TaskCodec {

    /** Nesting deeper than this is refused as malformed rather than risking the stream thread's stack. */
    private static final int MAX_DEPTH = 64;

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build());
    }

    /** Reads JSON into trees without resolving the tree type again for every record. */
    private static final ObjectReader TREE = MAPPER.readerFor(JsonNode.class);

    /** A parse result: the task, or the problem. */
    public record Parsed(Task task, String problem) {
        public boolean ok() {
            return task != null;
        }
    }

    private TaskCodec() {
    }

    public static Parsed parse(byte[] value, String recordKey) {
        if (value == null || value.length == 0) {
            return new Parsed(null, "empty record value");
        }
        JsonNode root;
        try {
            if (isAscii(value)) {
                // ASCII is valid UTF-8: most tasks are, and are read straight from their bytes.
                root = TREE.readTree(value);
            } else {
                String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(value)).toString();
                root = TREE.readTree(text);
            }
        } catch (CharacterCodingException e) {
            return new Parsed(null, "value is not valid UTF-8");
        } catch (JsonProcessingException e) {
            return new Parsed(null, "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return new Parsed(null, "unreadable value: " + e.getMessage());
        }
        return fromTree(root, recordKey);
    }

    private static boolean isAscii(byte[] value) {
        for (byte b : value) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    /** Longest accepted {@code batchId}. */
    public static final int MAX_BATCH_ID = 200;

    private static Parsed fromTree(JsonNode root, String recordKey) {
        if (root == null || !root.isObject()) {
            return new Parsed(null, "task must be a JSON object");
        }
        String id = text(root, "id");
        if (id == null && root.has("id")) {
            return new Parsed(null, "field 'id' must be a string");
        }
        if (id == null || id.isBlank()) {
            id = recordKey;
        }
        if (id == null || id.isBlank()) {
            return new Parsed(null, "missing field 'id' (and the record has no key)");
        }
        String type = text(root, "type");
        if (type == null || type.isBlank()) {
            return new Parsed(null, "missing or non-string field 'type'");
        }
        if (root.has("idempotencyKey") && !root.get("idempotencyKey").isNull() && !root.get("idempotencyKey").isTextual()) {
            return new Parsed(null, "field 'idempotencyKey' must be a string");
        }
        Instant deadline;
        try {
            deadline = deadline(root);
        } catch (DateTimeParseException | IllegalArgumentException e) {
            return new Parsed(null, "field 'deadline' must be an ISO-8601 instant, e.g. 2030-01-01T00:00:00Z");
        }
        JsonNode batch = root.get("batchId");
        if (batch != null && !batch.isNull() && (!batch.isTextual() || batch.asText().isBlank()
                || batch.asText().length() > MAX_BATCH_ID)) {
            return new Parsed(null, "field 'batchId' must be a non-empty string of at most " + MAX_BATCH_ID
                    + " characters");
        }
        JsonNode cost = root.get("cost");
        if (cost != null && !cost.isNull() && (!cost.isNumber() || !Cost.isValid(cost.asDouble()))) {
            return new Parsed(null, "field 'cost' must be a number > 0 and <= 1e9");
        }
        JsonNode payload = root.get("payload");
        String payloadJson = payload == null || payload.isNull() ? null : payload.toString();
        return new Parsed(new Task(id, type, payloadJson, text(root, "idempotencyKey"), deadline,
                cost == null || cost.isNull() ? null : cost.asDouble(), text(root, "batchId")), null);
    }

    private static Instant deadline(JsonNode root) {
        JsonNode node = root.get("deadline");
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new IllegalArgumentException("deadline");
        }
        return IsoInstants.parse(node.asText());
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        return node != null && node.isTextual() ? node.asText() : null;
    }

    /** The JSON form of a task, as producers write it. */
    public static byte[] encode(Task task) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("id", task.id());
        node.put("type", task.type());
        if (task.payloadJson() != null) {
            try {
                node.set("payload", TREE.readTree(task.payloadJson()));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("payload is not valid JSON", e);
            }
        }
        if (task.idempotencyKey() != null) {
            node.put("idempotencyKey", task.idempotencyKey());
        }
        if (task.deadline() != null) {
            node.put("deadline", task.deadline().toString());
        }
        if (task.cost() != null) {
            node.put("cost", task.cost());
        }
        if (task.batchId() != null) {
            node.put("batchId", task.batchId());
        }
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The task JSON with {@code batchId} set.
     *
     * @throws IllegalArgumentException when it is not a JSON object or names another batch
     */
    public static byte[] withBatchId(byte[] json, String batchId) {
        try {
            JsonNode root = TREE.readTree(json);
            if (root == null || !root.isObject()) {
                throw new IllegalArgumentException("task must be a JSON object");
            }
            JsonNode existing = root.get("batchId");
            if (existing != null && !existing.isNull() && !existing.asText().equals(batchId)) {
                throw new IllegalArgumentException("task names batch '" + existing.asText() + "', not '" + batchId + "'");
            }
            ((com.fasterxml.jackson.databind.node.ObjectNode) root).put("batchId", batchId);
            return MAPPER.writeValueAsBytes(root);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage());
        }
    }

    static ObjectMapper mapper() {
        return MAPPER;
    }
}
