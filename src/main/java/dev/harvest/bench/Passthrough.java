package dev.harvest.bench;

import dev.harvest.app.TopicAdmin;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/** The baseline: a plain Kafka Streams source → sink on the same broker, partitions and guarantee. */
final class Passthrough {

    private final String bootstrap;
    private final BenchOptions o;
    private final Path stateDir;

    Passthrough(String bootstrap, BenchOptions o, Path stateDir) {
        this.bootstrap = bootstrap;
        this.o = o;
        this.stateDir = stateDir;
    }

    double recordsPerSec() {
        String in = "passthrough.in";
        String out = "passthrough.out";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(in, Optional.of(o.partitions()), Optional.empty()),
                    new NewTopic(out, Optional.of(o.partitions()), Optional.empty()))).all().get(30, TimeUnit.SECONDS);
            TopicAdmin.awaitWritable(admin, List.of(in, out));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating pass-through topics", e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create pass-through topics", e);
        }
        Topology topology = new Topology();
        topology.addSource("in", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), in);
        topology.addSink("out", out, Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), "in");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "passthrough");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, o.guarantee());
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED); // as the lane apps
        try (KafkaStreams streams = new KafkaStreams(topology, p);
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps())) {
            streams.start();
            consumer.subscribe(List.of(out));
            send(in, o.warmup());
            drain(consumer, o.warmup());
            streams.pause();
            send(in, o.tasks());
            long start = System.nanoTime();
            streams.resume();
            drain(consumer, o.tasks());
            return o.tasks() / ((System.nanoTime() - start) / 1e9);
        }
    }

    private void send(String topic, int n) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        AtomicReference<Exception> failed = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                String id = "p-" + i;
                producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8),
                        ("{\"id\":\"" + id + "\",\"type\":\"work\"}").getBytes(StandardCharsets.UTF_8)),
                        (meta, e) -> {
                            if (e != null) {
                                failed.compareAndSet(null, e);
                            }
                        });
            }
            producer.flush();
        }
        if (failed.get() != null) {
            throw new IllegalStateException("pass-through input not written: " + failed.get(), failed.get());
        }
    }

    private static void drain(KafkaConsumer<byte[], byte[]> consumer, int n) {
        int seen = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (seen < n && System.nanoTime() < deadline) {
            seen += consumer.poll(Duration.ofMillis(50)).count();
        }
        if (seen < n) {
            throw new IllegalStateException("pass-through did not drain: " + seen + " of " + n + " records");
        }
    }

    private Properties consumerProps() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "passthrough-reader");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return p;
    }
}
