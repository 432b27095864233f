package dev.harvest.app.dlq;

import dev.harvest.app.KafkaClientProperties;
import dev.harvest.config.PipelineConfig;
import dev.harvest.topology.HarvestHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Waits for the outcomes of replayed canaries. It is positioned at the end of the results and dead-letter
 * topics <em>before</em> the canaries are sent, and then matches outcome records by the replay id and
 * source that the pipeline copies from the input record's headers onto its result or dead letter.
 */
final class CanaryWatch implements AutoCloseable {

    /** The dead letter a replayed record came from ({@code topic/partition/offset}); carried to its outcome. */
    static final String SOURCE = "harvest.replay.source";

    private final PipelineConfig config;
    private final String auditId;
    private final KafkaConsumer<byte[], byte[]> consumer;

    CanaryWatch(PipelineConfig config, String auditId) {
        this.config = config;
        this.auditId = auditId;
        this.consumer = new KafkaConsumer<>(KafkaClientProperties.consumer(config, null));
        List<TopicPartition> tps = new ArrayList<>();
        for (String topic : List.of(config.resultsTopic(), config.deadLetterTopic())) {
            consumer.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(p -> tps.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(tps);
        consumer.seekToEnd(tps);
        tps.forEach(consumer::position); // resolve the end now, not lazily after the canaries are sent
    }

    /** Waits until every canary has an outcome or {@code timeout} passes. */
    ReplayReport.Canary await(List<ReplayReport.Planned> canaries, Duration timeout) {
        Map<String, String> pending = new HashMap<>();
        canaries.forEach(p -> pending.put(p.deadLetter().coordinates(), p.deadLetter().key()));
        List<String> failed = new ArrayList<>();
        int completed = 0;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                String source = header(r, SOURCE);
                if (!auditId.equals(header(r, HarvestHeaders.REPLAY)) || !pending.containsKey(source)
                        || !sameKey(pending.get(source), r.key())) {
                    continue;
                }
                pending.remove(source);
                if (r.topic().equals(config.resultsTopic())) {
                    completed++;
                } else {
                    failed.add(keyText(r.key()) + ": " + header(r, HarvestHeaders.DLQ_REASON));
                }
            }
        }
        return new ReplayReport.Canary(canaries.size(), completed, failed, !pending.isEmpty());
    }

    private static boolean sameKey(String expected, byte[] actual) {
        return expected == null ? actual == null : expected.equals(keyText(actual));
    }

    private static String keyText(byte[] key) {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return HarvestHeaders.get(r.headers(), name);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
