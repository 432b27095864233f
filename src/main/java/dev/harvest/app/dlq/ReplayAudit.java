package dev.harvest.app.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.harvest.app.KafkaClientProperties;
import dev.harvest.config.PipelineConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The replay audit topic {@code <pipeline>.dlq.audit}: one JSON record per replayed batch, saying who replayed
 * which dead letters (topic/partition/offset) when, and to which lane. It is also the memory that keeps a
 * dead letter from being replayed twice: it is read in full before every replay, on whatever machine.
 */
public final class ReplayAudit {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final PipelineConfig config;

    public ReplayAudit(PipelineConfig config) {
        this.config = config;
    }

    /** The audit topic's name. */
    public static String topic(PipelineConfig config) {
        return config.pipeline() + ".dlq.audit";
    }

    /** Creates the audit topic when missing: one partition (one order for everybody), kept forever. */
    public void ensureTopic() {
        try (Admin admin = Admin.create(KafkaClientProperties.common(config))) {
            if (admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic(config))) {
                return;
            }
            Optional<Short> replication = config.kafka().topicReplication();
            NewTopic topic = new NewTopic(topic(config), Optional.of(1), replication)
                    .configs(Map.of("retention.ms", "-1", "cleanup.policy", "delete"));
            admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create " + topic(config) + ": " + e.getCause().getMessage(), e);
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating " + topic(config), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Coordinates ({@code topic/partition/offset}) of every dead letter ever replayed; empty without a topic. */
    public Set<String> replayed() {
        Set<String> out = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(KafkaClientProperties.consumer(config, null))) {
            if (!consumer.listTopics(TIMEOUT).containsKey(topic(config))) {
                return out;
            }
            List<TopicPartition> tps = consumer.partitionsFor(topic(config), TIMEOUT).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps, TIMEOUT);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (tps.stream().anyMatch(tp -> consumer.position(tp, TIMEOUT) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out reading " + topic(config));
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.addAll(coordinates(r.value()));
                }
            }
        }
        return out;
    }

    /** The coordinates an audit record lists; none when it is unreadable (it cannot block anything then). */
    static Set<String> coordinates(byte[] value) {
        Set<String> out = new HashSet<>();
        try {
            JsonNode root = JSON.readTree(value);
            String dlqTopic = root.path("dlqTopic").asText();
            for (JsonNode r : root.path("records")) {
                out.add(DeadLetter.coordinates(dlqTopic, r.path("partition").asInt(), r.path("offset").asLong()));
            }
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
        return out;
    }

    /** The audit record of one replayed batch. */
    static byte[] record(String auditId, String operator, Instant at, String phase, boolean forced,
                         List<ReplayReport.Planned> batch) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", auditId);
        root.put("operator", operator);
        root.put("at", at.toString());
        root.put("phase", phase);
        root.put("forced", forced);
        root.put("dlqTopic", batch.isEmpty() ? "" : batch.get(0).deadLetter().topic());
        ArrayNode records = root.putArray("records");
        for (ReplayReport.Planned p : batch) {
            DeadLetter d = p.deadLetter();
            records.addObject().put("partition", d.partition()).put("offset", d.offset()).put("key", d.key())
                    .put("taskId", d.taskId()).put("reason", d.reason()).put("fromLane", d.lane())
                    .put("targetLane", p.targetLane()).put("targetTopic", p.targetTopic());
        }
        try {
            return JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write an audit record", e);
        }
    }
}
