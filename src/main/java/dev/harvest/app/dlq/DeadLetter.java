package dev.harvest.app.dlq;

import dev.harvest.topology.HarvestHeaders;
import dev.harvest.topology.TaskCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * One record of the dead-letter topic, decoded for people: where it sits, what the task was, why it failed,
 * every header as text, and the original key and value bytes (kept for a replay).
 *
 * @param topic        the dead-letter topic
 * @param partition    its partition there
 * @param offset       its offset there
 * @param key          the record key as text, or null
 * @param taskId       the task id from the value (the key when the value has none), or null when unreadable
 * @param type         the task type, or null when the value is not a valid task
 * @param lane         the lane that gave up on it ({@code harvest.lane}), or null
 * @param reason       {@code harvest.dlq.reason}, or null (e.g. a record Kafka Streams itself dead-lettered)
 * @param attempts     attempts made, or -1 when unknown
 * @param failedAt     {@code harvest.failed-at}, else the record timestamp
 * @param errorMessage {@code harvest.error.message}, or null
 * @param headers      every header, last value wins, decoded as UTF-8 (lenient: for display only)
 * @param rawHeaders   every header as written, in order (what a replay copies)
 * @param keyBytes     the original key bytes, or null
 * @param value        the original value bytes, or null
 */
public record DeadLetter(String topic, int partition, long offset, String key, String taskId, String type,
                         String lane, String reason, int attempts, Instant failedAt, String errorMessage,
                         Map<String, String> headers, List<RawHeader> rawHeaders, byte[] keyBytes, byte[] value) {

    /** A header as written: a name and the value bytes. */
    public record RawHeader(String name, byte[] value) {
    }

    public DeadLetter {
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        rawHeaders = List.copyOf(rawHeaders);
    }

    /** Where the record sits, as {@code topic/partition/offset}: the identity the replay audit uses. */
    public String coordinates() {
        return coordinates(topic, partition, offset);
    }

    static String coordinates(String topic, int partition, long offset) {
        return topic + "/" + partition + "/" + offset;
    }

    /** The topic the task was read from when it failed, from our headers or Kafka Connect's/Streams'. */
    public String originTopic() {
        for (String name : List.of(HarvestHeaders.ORIGIN_TOPIC, HarvestHeaders.CONNECT_TOPIC, "__streams.errors.topic")) {
            String value = headers.get(name);
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return null;
    }

    /** Decodes a consumed dead-letter record. */
    static DeadLetter of(ConsumerRecord<byte[], byte[]> r) {
        Map<String, String> text = new LinkedHashMap<>();
        List<RawHeader> raw = new ArrayList<>();
        for (Header h : r.headers()) {
            raw.add(new RawHeader(h.key(), h.value()));
            text.put(h.key(), h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8));
        }
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        TaskCodec.Parsed parsed = TaskCodec.parse(r.value(), key);
        String taskId = parsed.ok() ? parsed.task().id() : key;
        String type = parsed.ok() ? parsed.task().type() : null;
        Instant failedAt = instant(text.get(HarvestHeaders.FAILED_AT), r.timestamp());
        return new DeadLetter(r.topic(), r.partition(), r.offset(), key, taskId, type,
                text.get(HarvestHeaders.LANE), text.get(HarvestHeaders.DLQ_REASON),
                integer(text.get(HarvestHeaders.ATTEMPTS)), failedAt, text.get(HarvestHeaders.ERROR_MESSAGE),
                text, raw, r.key(), r.value());
    }

    private static Instant instant(String text, long fallbackMillis) {
        if (text != null) {
            try {
                return Instant.parse(text.trim());
            } catch (DateTimeParseException e) {
                // fall back to the record timestamp, which the pipeline sets to the failure time too
            }
        }
        return Instant.ofEpochMilli(fallbackMillis);
    }

    private static int integer(String text) {
        try {
            return text == null ? -1 : Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
