package dev.harvest.app.dlq;

import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.harvest.app.AppOptions;
import dev.harvest.app.HarvestApp;
import dev.harvest.app.KafkaClientProperties;
import dev.harvest.app.TopicAdmin;
import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;
import dev.harvest.testkit.TestKafka;
import dev.harvest.testkit.TestPipelines;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A running pipeline (LOCAL admission) whose dead-letter topic holds eight known dead letters:
 * {@code f1..f3} (type {@code fetch}, lane high, {@code max-attempts}: the provider is down),
 * {@code p1..p3} (poison, lane low, {@code permanent-failure}), {@code u1} (unknown type, lane low) and
 * {@code m1} (malformed, lane high). {@link #startProvider()} brings the provider up, so a replayed
 * {@code fetch} task then completes.
 */
final class DlqFixture implements AutoCloseable {

    static final int DEAD_LETTERS = 8;

    private static final String YAML = """
            pipeline: %1$s
            kafka: { bootstrapServers: "%2$s" }
            lanes:
              - { name: high, topic: %1$s.tasks.high, partitions: 2, maxInFlight: 16 }
              - { name: low,  topic: %1$s.tasks.low,  partitions: 2, maxInFlight: 16 }
            retry: { delays: [100ms], maxAttempts: 2, jitter: 0.1 }
            maxTaskBytes: 4096
            dedupeWindow: 1m
            admissionWait: 10s
            metricsPort: 0
            keyPools:
              - { name: pool, maxConcurrentPerKey: 3, keys: [ { id: k1, secret: "secret-one-xyz" } ] }
            permits:
              - { name: calls, permits: 5, leaseTtl: 5s }
            handlers:
              simulate: { kind: simulated, latency: 5ms, keyPool: pool, permits: calls }
              fetch: { kind: http, url: "http://127.0.0.1:%3$d/work", timeout: 2s, keyPool: pool, permits: calls }
            """;

    final PipelineConfig config;
    final Path file;
    private final int providerPort;
    private final HarvestApp app;
    private HttpServer provider;

    DlqFixture(Path dir) throws IOException {
        providerPort = freePort();
        file = dir.resolve("pipeline.yaml");
        Files.writeString(file, YAML.formatted(TestPipelines.uniqueName("dlq"), TestKafka.bootstrapServers(),
                providerPort));
        config = new PipelineLoader(n -> null).load(file);
        TopicAdmin.createAll(config);
        app = HarvestApp.start(config, AppOptions.defaults(dir.resolve("state"))
                .withAdmission(AppOptions.AdmissionMode.LOCAL).withServeMetrics(false));
        produceFailingTasks();
        await().alias("the eight tasks are dead-lettered").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(300))
                .until(() -> allDeadLetters().size() >= DEAD_LETTERS);
    }

    private void produceFailingTasks() {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KafkaClientProperties.producer(config))) {
            String high = config.lane("high").orElseThrow().topic();
            String low = config.lane("low").orElseThrow().topic();
            ProducerRecord<byte[], byte[]> traced = record(high, "f1", task("f1", "fetch", "{\"q\":1}"));
            traced.headers().add("trace-id", "trace-f1".getBytes(StandardCharsets.UTF_8));
            producer.send(traced);
            producer.send(record(high, "f2", task("f2", "fetch", "{\"q\":2}")));
            producer.send(record(high, "f3", task("f3", "fetch", "{\"q\":3}")));
            for (String id : List.of("p1", "p2", "p3")) {
                producer.send(record(low, id, task(id, "simulate", "{\"poison\":true}")));
            }
            producer.send(record(low, "u1", task("u1", "nope", "{}")));
            producer.send(record(high, "m1", "{\"id\":"));
            producer.flush();
        }
    }

    /** Starts the provider the {@code fetch} handler calls: every request answers 200. */
    void startProvider() throws IOException {
        provider = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), providerPort), 0);
        provider.createContext("/work", exchange -> {
            byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        provider.start();
    }

    List<DeadLetter> allDeadLetters() {
        try (DeadLetterReader reader = new DeadLetterReader(config)) {
            return reader.read(DeadLetterFilter.all());
        }
    }

    /** Every committed record of {@code topic} now, from the beginning. */
    List<ConsumerRecord<byte[], byte[]>> records(String topic) {
        return dev.harvest.testkit.TopicRecords.all(config, topic);
    }

    /** How many records the lane topics hold (it grows with every record sent to a lane). */
    long laneRecords() {
        return config.lanes().stream().mapToLong(l -> records(l.topic()).size()).sum();
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static String key(ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, String value) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    private static String task(String id, String type, String payload) {
        return "{\"id\":\"" + id + "\",\"type\":\"" + type + "\",\"payload\":" + payload + "}";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        app.close();
        if (provider != null) {
            provider.stop(0);
        }
    }
}
