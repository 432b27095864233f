package dev.harvest.app;

import dev.harvest.config.PipelineConfig;
import dev.harvest.topology.HarvestHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * Reads the results and dead-letter topics (read_committed) and keeps, per task key, its final outcome,
 * lane, attempts and end-to-end latency. Used by the demo and the benchmark to account for every task.
 */
public final class OutcomeCollector implements AutoCloseable {

    /**
     * The final outcome of one task.
     *
     * @param latencyMs from the task record's timestamp to its outcome record's (when the lane wrote it), or -1
     * @param readMs    from the task record's timestamp to the moment this collector read the outcome (under
     *                  exactly-once, after the transaction that wrote it committed), or -1
     */
    public record Outcome(String key, boolean completed, String lane, int attempts, long latencyMs, long readMs,
                          String reason) {
    }

    private final PipelineConfig config;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, Outcome> outcomes = new HashMap<>();
    private final StringBuilder raw = new StringBuilder();
    private final boolean keepRaw;
    private long duplicates;
    private Instant lastArrival;

    public OutcomeCollector(PipelineConfig config) {
        this(config, false);
    }

    /** With {@code keepRaw}, every record's key, value and headers are also kept as text (for leak checks). */
    public OutcomeCollector(PipelineConfig config, boolean keepRaw) {
        this.config = config;
        this.keepRaw = keepRaw;
        this.consumer = new KafkaConsumer<>(KafkaClientProperties.consumer(config, null));
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(config.resultsTopic(), config.deadLetterTopic())) {
            for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Polls once for up to {@code timeout}; returns how many records arrived. */
    public int poll(Duration timeout) {
        int n = 0;
        ConsumerRecords<byte[], byte[]> records = consumer.poll(timeout);
        long now = System.currentTimeMillis();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            n++;
            String key = r.key() == null ? "?" + r.topic() + "/" + r.partition() + "/" + r.offset()
                    : new String(r.key(), StandardCharsets.UTF_8);
            boolean completed = r.topic().equals(config.resultsTopic());
            Instant firstSeen = HarvestHeaders.getInstant(r.headers(), HarvestHeaders.FIRST_SEEN);
            long latency = firstSeen == null ? -1 : Math.max(0, r.timestamp() - firstSeen.toEpochMilli());
            long read = firstSeen == null ? -1 : Math.max(0, now - firstSeen.toEpochMilli());
            int attempts = (int) HarvestHeaders.getLong(r.headers(),
                    completed ? HarvestHeaders.ATTEMPT : HarvestHeaders.ATTEMPTS, 1);
            Outcome o = new Outcome(key, completed, HarvestHeaders.get(r.headers(), HarvestHeaders.LANE), attempts,
                    latency, read, completed ? null : HarvestHeaders.get(r.headers(), HarvestHeaders.DLQ_REASON));
            if (keepRaw) {
                appendRaw(r);
            }
            if (outcomes.putIfAbsent(key, o) != null) {
                duplicates++;
            }
            lastArrival = Instant.now();
        }
        return n;
    }

    /** Everything read so far as text (only with {@code keepRaw}). */
    public String rawText() {
        return raw.toString();
    }

    private void appendRaw(ConsumerRecord<byte[], byte[]> r) {
        raw.append(r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8)).append(' ');
        raw.append(r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8)).append(' ');
        for (Header h : r.headers()) {
            raw.append(h.key()).append('=').append(h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8))
                    .append(' ');
        }
        raw.append('\n');
    }

    public Map<String, Outcome> outcomes() {
        return outcomes;
    }

    /** Outcomes seen for a key that already had one (0 when every task ended exactly once). */
    public long duplicates() {
        return duplicates;
    }

    public Instant lastArrival() {
        return lastArrival;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
