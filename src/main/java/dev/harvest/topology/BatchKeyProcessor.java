package dev.harvest.topology;

import com.fasterxml.jackson.databind.JsonNode;
import dev.harvest.config.PipelineConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Turns the final outcome of every batched task (a result, or a dead letter whose original task names a batch)
 * into an {@code ended} event keyed by its batch id, so that all events of one batch meet on one partition.
 * Outcomes of tasks outside any batch, and dead letters that are not a task at all, are passed over.
 */
final class BatchKeyProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    private static final byte[] BATCH_ID_FIELD = "\"batchId\"".getBytes(StandardCharsets.UTF_8);

    private final PipelineConfig config;
    private ProcessorContext<byte[], byte[]> context;

    BatchKeyProcessor(PipelineConfig config) {
        this.config = config;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> ctx) {
        this.context = ctx;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String topic = context.recordMetadata().map(m -> m.topic()).orElse("");
        if (topic.equals(config.resultsTopic())) {
            fromResult(record);
        } else if (topic.equals(config.deadLetterTopic())) {
            fromDeadLetter(record);
        }
    }

    private void fromResult(Record<byte[], byte[]> record) {
        // Results are written by the lanes with Jackson, which never escapes the letters of a field name: one
        // without the bytes "batchId" anywhere has no such field, and most results are not batched.
        if (record.value() == null || !contains(record.value(), BATCH_ID_FIELD)) {
            return;
        }
        JsonNode n;
        try {
            n = TaskCodec.mapper().readTree(record.value());
        } catch (IOException e) {
            return;
        }
        if (n == null || !n.path("batchId").isTextual() || !n.path("id").isTextual()) {
            return;
        }
        long ended = millis(n.path("completedAt").asText(null), record.timestamp());
        long firstSeen = millis(n.path("firstSeenAt").asText(null), ended);
        forward(record, n.get("batchId").asText(), BatchEvents.ended(n.get("id").asText(), BatchEvents.COMPLETED,
                firstSeen, ended));
    }

    private void fromDeadLetter(Record<byte[], byte[]> record) {
        TaskCodec.Parsed parsed = TaskCodec.parse(record.value(), null);
        if (!parsed.ok() || parsed.task().batchId() == null) {
            return;
        }
        Instant failed = HarvestHeaders.getInstant(record.headers(), HarvestHeaders.FAILED_AT);
        long ended = failed != null ? failed.toEpochMilli() : record.timestamp();
        Instant first = HarvestHeaders.getInstant(record.headers(), HarvestHeaders.FIRST_SEEN);
        forward(record, parsed.task().batchId(), BatchEvents.ended(parsed.task().id(), BatchEvents.DEAD_LETTERED,
                first != null ? first.toEpochMilli() : ended, ended));
    }

    private void forward(Record<byte[], byte[]> record, String batchId, byte[] event) {
        context.forward(new Record<>(batchId.getBytes(StandardCharsets.UTF_8), event, record.timestamp()));
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static long millis(String iso, long fallback) {
        if (iso == null) {
            return fallback;
        }
        try {
            return IsoInstants.parse(iso).toEpochMilli();
        } catch (DateTimeParseException e) {
            return fallback;
        }
    }
}
