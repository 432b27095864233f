package dev.harvest.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.harvest.config.PipelineConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads {@code <pipeline>.batches} from the beginning to its current end: the latest record of every batch
 * ({@code in-progress} or its one {@code completed} record), in the order batches were first seen.
 */
public final class BatchReader {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private BatchReader() {
    }

    /** Batch id → its latest record; a completed record is never replaced by an older progress record. */
    public static Map<String, JsonNode> latest(PipelineConfig config, Duration timeout) {
        config.requireBatches();
        Properties props = KafkaClientProperties.consumer(config, null);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        Map<String, JsonNode> out = new LinkedHashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(config.batchesTopic(), timeout)) {
                parts.add(new TopicPartition(p.topic(), p.partition()));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reached(consumer, end) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    JsonNode n = parse(r.value());
                    if (n != null && n.path("batchId").isTextual()) {
                        out.merge(n.get("batchId").asText(), n, (old, now) ->
                                "completed".equals(old.path("status").asText()) ? old : now);
                    }
                }
            }
        }
        return out;
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    private static JsonNode parse(byte[] value) {
        try {
            return value == null ? null : MAPPER.readTree(value);
        } catch (IOException e) {
            return null;
        }
    }
}
