package dev.harvest.app.dlq;

import dev.harvest.app.KafkaClientProperties;
import dev.harvest.config.PipelineConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads the dead-letter topic of a pipeline, {@code read_committed}, across all its partitions, without a
 * consumer group (nothing is committed, so reading never disturbs anyone). A read goes from the beginning
 * (or from the first record at or after {@code since}) to the end as it was when the read started.
 */
public final class DeadLetterReader implements AutoCloseable {

    /** Oldest failure first; ties in partition and offset order. */
    static final Comparator<DeadLetter> OLDEST_FIRST = Comparator.comparing(DeadLetter::failedAt)
            .thenComparingInt(DeadLetter::partition).thenComparingLong(DeadLetter::offset);

    private static final Duration POLL = Duration.ofMillis(200);

    private final String topic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Duration timeout;

    /** A reader of {@code config}'s dead-letter topic that gives up on a read after {@code timeout}. */
    public DeadLetterReader(PipelineConfig config, Duration timeout) {
        this.topic = config.deadLetterTopic();
        this.timeout = timeout;
        this.consumer = new KafkaConsumer<>(KafkaClientProperties.consumer(config, null));
    }

    public DeadLetterReader(PipelineConfig config) {
        this(config, Duration.ofSeconds(60));
    }

    /** The dead letters that match {@code filter}, oldest first, at most {@code filter.limit()}. */
    public List<DeadLetter> read(DeadLetterFilter filter) {
        return read(filter, d -> true);
    }

    /**
     * The dead letters that match {@code filter} and {@code also}, oldest first; the limit counts only those.
     * With a limit, only that many are held in memory at a time.
     */
    public List<DeadLetter> read(DeadLetterFilter filter, Predicate<DeadLetter> also) {
        PriorityQueue<DeadLetter> newestOnTop = new PriorityQueue<>(OLDEST_FIRST.reversed());
        List<DeadLetter> all = new ArrayList<>();
        scan(filter, d -> {
            if (!filter.matches(d) || !also.test(d)) {
                return;
            }
            if (filter.limit() == 0) {
                all.add(d);
                return;
            }
            newestOnTop.add(d);
            if (newestOnTop.size() > filter.limit()) {
                newestOnTop.poll();
            }
        });
        List<DeadLetter> out = filter.limit() == 0 ? all : new ArrayList<>(newestOnTop);
        out.sort(OLDEST_FIRST);
        return out;
    }

    /** The dead letter at {@code partition}/{@code offset}, if there is a committed record there. */
    public Optional<DeadLetter> at(int partition, long offset) {
        TopicPartition tp = new TopicPartition(topic, partition);
        consumer.assign(List.of(tp));
        long end = consumer.endOffsets(List.of(tp)).get(tp);
        if (offset < 0 || offset >= end) {
            return Optional.empty();
        }
        consumer.seek(tp, offset);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (consumer.position(tp) <= offset && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                if (r.offset() == offset) {
                    return Optional.of(DeadLetter.of(r));
                }
            }
        }
        return Optional.empty();
    }

    /** The partitions of the dead-letter topic. */
    public List<Integer> partitions() {
        return consumer.partitionsFor(topic, timeout).stream().map(p -> p.partition()).sorted().toList();
    }

    private void scan(DeadLetterFilter filter, java.util.function.Consumer<DeadLetter> sink) {
        List<TopicPartition> tps = partitions().stream().map(p -> new TopicPartition(topic, p)).toList();
        consumer.assign(tps);
        Map<TopicPartition, Long> end = consumer.endOffsets(tps);
        seekStart(tps, filter);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!atEnd(end)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out reading " + topic + " after " + timeout);
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                    sink.accept(DeadLetter.of(r));
                }
            }
        }
    }

    /** From the beginning, or from the first record written at or after {@code since} (timestamp = failure time). */
    private void seekStart(List<TopicPartition> tps, DeadLetterFilter filter) {
        consumer.seekToBeginning(tps);
        if (filter.since() == null) {
            return;
        }
        Map<TopicPartition, Long> query = new HashMap<>();
        tps.forEach(tp -> query.put(tp, filter.since().toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, timeout);
        found.forEach((tp, at) -> {
            if (at == null) {
                consumer.seekToEnd(List.of(tp));
            } else {
                consumer.seek(tp, at.offset());
            }
        });
    }

    private boolean atEnd(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey(), timeout) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
