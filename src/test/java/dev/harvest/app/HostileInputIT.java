package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.app.HostileRecords.Hostile;
import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;
import dev.harvest.testkit.TestKafka;
import dev.harvest.testkit.TestPipelines;
import io.micrometer.core.instrument.Meter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of seeded random and mutated task records (bad JSON, huge strings, deep nesting, wrong types, invalid
 * UTF-8, missing fields, past and far-future deadlines, unknown types and lanes, garbage headers and keys) through
 * the real pipeline on a real broker: no stream thread dies, and every record ends in the results or the
 * dead-letter topic with the reason it deserves. Another seed: {@code -Dhostile.seed=N}.
 */
class HostileInputIT {

    private static final long SEED = Long.getLong("hostile.seed", 20_261_123L);
    private static final int RECORDS = 2_500;
    private static final int MAX_TASK_BYTES = 4096;

    @TempDir
    Path stateDir;

    @Test
    void shouldAccountForEveryRecordWithoutLosingAStreamThreadWhenInputIsHostile() throws Exception {
        PipelineConfig config = pipeline(TestPipelines.uniqueName("hostile"));
        TopicAdmin.createAll(config);
        List<Hostile> records = new HostileRecords(SEED, MAX_TASK_BYTES).generate(RECORDS);
        try (HarvestApp app = HarvestApp.start(config, AppOptions.defaults(stateDir)
                .withAdmission(AppOptions.AdmissionMode.LOCAL).withServeMetrics(false));
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KafkaClientProperties.producer(config));
             OutcomeCollector collector = new OutcomeCollector(config)) {
            for (Hostile r : records) {
                producer.send(new ProducerRecord<>(topic(config, r), null, r.key(), r.value(), r.headers()));
            }
            producer.flush();
            await().alias("an outcome for each of " + RECORDS + " hostile records (seed " + SEED + ")")
                    .atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).until(() -> {
                        collector.poll(Duration.ofMillis(200));
                        return collector.outcomes().size() >= RECORDS;
                    });
            collector.poll(Duration.ofMillis(500));

            assertEveryOutcome(records, collector.outcomes());
            assertThat(collector.duplicates()).as("records that ended twice").isZero();
            assertNoStreamThreadDied(app);
        }
    }

    private static void assertEveryOutcome(List<Hostile> records, Map<String, OutcomeCollector.Outcome> outcomes) {
        Map<String, String> wrong = new TreeMap<>();
        long keyless = 0;
        for (Hostile r : records) {
            if (r.key() == null) {
                keyless++;
                continue;
            }
            OutcomeCollector.Outcome o = outcomes.get(r.keyText());
            String got = o == null ? "no outcome" : o.completed() ? HostileRecords.COMPLETED : String.valueOf(o.reason());
            if (!got.equals(r.expected())) {
                wrong.put(r.keyText(), r.kind() + ": expected " + r.expected() + ", got " + got);
            }
        }
        assertThat(wrong).as("records whose outcome is wrong (seed %d)", SEED).isEmpty();
        List<OutcomeCollector.Outcome> withoutKey = outcomes.values().stream().filter(o -> o.key().startsWith("?"))
                .toList();
        assertThat(withoutKey).as("records without a key").hasSize((int) keyless)
                .allSatisfy(o -> assertThat(o.reason()).isEqualTo("malformed"));
        Map<String, Long> byKind = records.stream().collect(Collectors.groupingBy(Hostile::kind, TreeMap::new,
                Collectors.counting()));
        assertThat(byKind).as("every kind of hostile record was sent").hasSizeGreaterThanOrEqualTo(19);
    }

    private static void assertNoStreamThreadDied(HarvestApp app) {
        for (Map.Entry<String, KafkaStreams> e : app.apps().entrySet()) {
            assertThat(e.getValue().state()).as(e.getKey()).isEqualTo(KafkaStreams.State.RUNNING);
            assertThat(clientMetric(e.getValue(), "failed-stream-threads")).as(e.getKey() + " failed threads")
                    .isZero();
            assertThat(clientMetric(e.getValue(), "alive-stream-threads")).as(e.getKey() + " alive threads, the default two")
                    .isEqualTo(2);
        }
        List<Meter> alive = app.registry().getMeters().stream()
                .filter(m -> m.getId().getName().endsWith("alive.stream.threads")).toList();
        assertThat(alive).as("alive-thread gauges, one per app").hasSize(app.apps().size())
                .allSatisfy(m -> assertThat(m.measure().iterator().next().getValue()).isEqualTo(2.0));
        assertThat(app.health().live()).isTrue();
        assertThat(app.health().ready()).isTrue();
    }

    private static double clientMetric(KafkaStreams streams, String name) {
        return streams.metrics().entrySet().stream()
                .filter(m -> m.getKey().name().equals(name) && m.getKey().group().equals("stream-metrics"))
                .map(Map.Entry::getValue).map(Metric::metricValue).map(v -> ((Number) v).doubleValue())
                .findFirst().orElseThrow(() -> new AssertionError("no metric " + name));
    }

    private static String topic(PipelineConfig config, Hostile r) {
        return switch (r.target()) {
            case HIGH -> config.lanes().get(0).topic();
            case LOW -> config.lanes().get(1).topic();
            case RETRY -> config.retryTopics().get(0);
        };
    }

    private static PipelineConfig pipeline(String name) {
        String yaml = """
                pipeline: %1$s
                kafka: { bootstrapServers: "%2$s" }
                lanes:
                  - { name: high, topic: %1$s.tasks.high, partitions: 3, maxInFlight: 128 }
                  - { name: low,  topic: %1$s.tasks.low,  partitions: 3, maxInFlight: 64 }
                retry: { delays: [100ms, 300ms], maxAttempts: 3, jitter: 0.1 }
                maxTaskBytes: %3$d
                dedupeWindow: 1m
                metricsPort: 0
                handlers:
                  simulate: { kind: simulated, latency: 1ms }
                """.formatted(name, TestKafka.bootstrapServers(), MAX_TASK_BYTES);
        return new PipelineLoader(n -> null).parse(yaml);
    }
}
