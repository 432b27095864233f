package dev.harvest.app.jobs;

import dev.harvest.app.KafkaClientProperties;
import dev.harvest.config.PipelineConfig;
import dev.harvest.topology.HarvestHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Writes dead letters the way the pipeline does (reason, lane, origin and failure-time headers) and reads back
 * what was redriven to the lane topics, by the {@code harvest.replay.source} header every replayed record carries.
 */
final class RedriveSeeds {

    /** The dead letter ({@code topic/partition/offset}) a replayed record came from. */
    static final String SOURCE = "harvest.replay.source";

    private final PipelineConfig config;
    private final Instant t0;
    private final Map<String, String> origins = new HashMap<>();
    private int next;

    RedriveSeeds(PipelineConfig config, Instant t0) {
        this.config = config;
        this.t0 = t0;
    }

    /** Writes {@code n} dead letters of {@code lane} that failed at {@code t0 + failedAt}; returns their coordinates. */
    List<String> seed(String reason, String lane, Duration failedAt, int n) {
        // A lane the pipeline does not have (any more): its dead letters cannot be routed anywhere.
        String origin = config.lane(lane).map(l -> l.topic()).orElse(config.pipeline() + ".tasks." + lane);
        List<String> out = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KafkaClientProperties.producer(config))) {
            for (int i = 0; i < n; i++) {
                String id = "t" + (++next);
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(config.deadLetterTopic(), bytes(id),
                        bytes("{\"id\":\"" + id + "\",\"type\":\"sim\",\"payload\":{}}"));
                header(r, HarvestHeaders.DLQ_REASON, reason);
                header(r, HarvestHeaders.LANE, lane);
                header(r, HarvestHeaders.ORIGIN_TOPIC, origin);
                header(r, HarvestHeaders.ATTEMPTS, "4");
                header(r, HarvestHeaders.FAILED_AT, t0.plus(failedAt).toString());
                RecordMetadata m = producer.send(r).get(30, TimeUnit.SECONDS);
                String coordinates = m.topic() + "/" + m.partition() + "/" + m.offset();
                origins.put(coordinates, origin);
                out.add(coordinates);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot seed dead letters", e);
        }
        return out;
    }

    /** The lane topic a seeded dead letter came from. */
    String originTopic(String coordinates) {
        return origins.get(coordinates);
    }

    /** Source coordinates → the lane topics a replayed copy of it was written to (one entry per copy). */
    Map<String, List<String>> redriven() {
        Map<String, List<String>> out = new HashMap<>();
        for (var lane : config.lanes()) {
            for (ConsumerRecord<byte[], byte[]> r : records(config, lane.topic())) {
                String source = HarvestHeaders.get(r.headers(), SOURCE);
                if (source != null) {
                    out.computeIfAbsent(source, s -> new ArrayList<>()).add(r.topic());
                }
            }
        }
        return out;
    }

    /** Every committed record of {@code topic} now, from the beginning. */
    static List<ConsumerRecord<byte[], byte[]>> records(PipelineConfig config, String topic) {
        return dev.harvest.testkit.TopicRecords.all(config, topic);
    }

    private static void header(ProducerRecord<byte[], byte[]> r, String name, String value) {
        r.headers().add(name, bytes(value));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
