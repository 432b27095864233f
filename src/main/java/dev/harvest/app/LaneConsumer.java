package dev.harvest.app;

import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

/**
 * The main consumer of a lane's app. A punctuator fires only when its stream thread is awake, and an idle thread
 * sleeps in {@code poll} for {@code poll.ms}; so while the lane has attempts running, a poll waits at most
 * {@code busyPoll}, and a call that ends is routed by the lane's quick drain within a few milliseconds. With no
 * attempt running, an idle lane polls as long as configured and costs no more CPU than before.
 */
final class LaneConsumer extends KafkaConsumer<byte[], byte[]> {

    private final BooleanSupplier busy;
    private final Duration busyPoll;

    LaneConsumer(Map<String, Object> config, BooleanSupplier busy, Duration busyPoll) {
        super(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.busy = busy;
        this.busyPoll = busyPoll;
    }

    /** Clients of a lane's app: Kafka's own, with a {@link LaneConsumer} as the main consumer. */
    static KafkaClientSupplier clients(BooleanSupplier busy, Duration busyPoll) {
        return new KafkaClientSupplier() {
            @Override
            public Admin getAdmin(Map<String, Object> config) {
                return Admin.create(config);
            }

            @Override
            public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
                return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
            }

            @Override
            public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
                return new LaneConsumer(config, busy, busyPoll);
            }

            @Override
            public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
                return plain(config);
            }

            @Override
            public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
                return plain(config);
            }
        };
    }

    private static Consumer<byte[], byte[]> plain(Map<String, Object> config) {
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
        return super.poll(timeoutFor(timeout, busy, busyPoll));
    }

    /** How long a poll asked to wait {@code timeout} waits; {@code busy} is asked only when it matters. */
    static Duration timeoutFor(Duration timeout, BooleanSupplier busy, Duration busyPoll) {
        return timeout.compareTo(busyPoll) > 0 && busy.getAsBoolean() ? busyPoll : timeout;
    }
}
