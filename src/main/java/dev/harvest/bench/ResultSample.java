package dev.harvest.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * One result record as the pipeline wrote it: its value and headers, and the handler's result inside it (what the
 * idempotency ledger keeps). The result pass-throughs write a record of this shape for each of theirs.
 *
 * @param value      the result record's value
 * @param headers    its headers (a record written with them copies the array into headers of its own)
 * @param resultJson the handler's result, the value's {@code result} field
 */
record ResultSample(byte[] value, Header[] headers, String resultJson) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** From a result record's value and headers. */
    static ResultSample of(byte[] value, Iterable<Header> headers) {
        JsonNode result;
        try {
            result = JSON.readTree(value).path("result");
        } catch (IOException e) {
            throw new IllegalArgumentException("a result record's value is not JSON: " + e.getMessage(), e);
        }
        if (result.isMissingNode()) {
            throw new IllegalArgumentException("a result record has no 'result' field");
        }
        List<Header> list = new ArrayList<>();
        headers.forEach(list::add);
        return new ResultSample(value, list.toArray(Header[]::new), result.toString());
    }

    /** The first record of partition 0 of {@code topic}, as a reader under read_committed sees it. */
    static ResultSample read(BenchStack stack, String topic) {
        Properties p = stack.kafkaClient();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition first = new TopicPartition(topic, 0);
            consumer.assign(List.of(first));
            consumer.seekToBeginning(List.of(first));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    return of(r.value(), r.headers());
                }
            }
        }
        throw new IllegalStateException("no result record in " + topic + " to shape the result pass-through's on");
    }

    /** The bytes of the value and of the headers' keys and values. */
    int bytes() {
        return value.length + Arrays.stream(headers).mapToInt(h -> h.key().length()
                + (h.value() == null ? 0 : h.value().length)).sum();
    }
}
