package dev.harvest.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;
import dev.harvest.testkit.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The batch tracker: one completion record per batch, counted once per task, whatever the order of events. */
class BatchTopologyTest {

    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

    private final MutableClock clock = new MutableClock(START);
    private PipelineConfig config;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> results;
    private TestInputTopic<byte[], byte[]> dlq;
    private TestInputTopic<byte[], byte[]> events;
    private TestOutputTopic<byte[], byte[]> batches;

    @BeforeEach
    void setUp() {
        config = new PipelineLoader(n -> null).parse("""
                pipeline: bt
                kafka: { bootstrapServers: "localhost:1" }
                batches: true
                lanes: [ { name: high, topic: bt.tasks.high, partitions: 1 } ]
                handlers: { work: { kind: simulated } }
                """);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "batch-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:1");
        driver = new TopologyTestDriver(TopologyFactory.batches(config, clock, Duration.ofSeconds(1)), props, START);
        ByteArraySerializer ser = new ByteArraySerializer();
        results = driver.createInputTopic(config.resultsTopic(), ser, ser);
        dlq = driver.createInputTopic(config.deadLetterTopic(), ser, ser);
        events = driver.createInputTopic(config.batchEventsTopic(), ser, ser);
        batches = driver.createOutputTopic(config.batchesTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void shouldEmitOneCompletionWithCountsWhenEveryDeclaredTaskEnded() {
        declare("b1", 3);
        result("t1", "b1", 100);
        deadLetter("t2", "b1");
        assertThat(completions()).as("one task outstanding").isEmpty();
        result("t3", "b1", 300);

        List<JsonNode> done = completions();
        assertThat(done).hasSize(1);
        JsonNode b = done.get(0);
        assertThat(b.path("batchId").asText()).isEqualTo("b1");
        assertThat(b.path("size").asLong()).isEqualTo(3);
        assertThat(b.path("completed").asLong()).isEqualTo(2);
        assertThat(b.path("deadLettered").asLong()).isEqualTo(1);
        assertThat(b.path("outstanding").asLong()).isZero();
        assertThat(b.path("p99Ms").asLong()).isBetween(300L, 330L);
        assertThat(b.path("firstAt").asText()).isEqualTo(START.toString());

        result("t4", "b1", 10);
        result("t1", "b1", 100);
        assertThat(completions()).as("nothing more once the batch completed").isEmpty();
    }

    @Test
    void shouldCompleteWhenTheDeclarationComesAfterTheOutcomes() {
        result("t1", "late", 50);
        result("t2", "late", 50);
        assertThat(completions()).as("not declared yet").isEmpty();
        declare("late", 2);
        assertThat(completions()).hasSize(1);
    }

    @Test
    void shouldCountATaskOnceAndMoveItToCompletedWhenAReplayedDeadLetterCompletes() {
        declare("b2", 2);
        deadLetter("t1", "b2");
        deadLetter("t1", "b2");
        assertThat(completions()).as("the same dead letter twice is one task").isEmpty();
        result("t1", "b2", 20);
        result("t2", "b2", 20);
        List<JsonNode> done = completions();
        assertThat(done).hasSize(1);
        assertThat(done.get(0).path("completed").asLong()).isEqualTo(2);
        assertThat(done.get(0).path("deadLettered").asLong()).isZero();
    }

    @Test
    void shouldPublishProgressOfChangedBatchesOnceASecondAndIgnoreTasksOutsideBatches() {
        declare("b3", 5);
        result("t1", "b3", 20);
        result("solo", null, 20);
        clock.advance(Duration.ofSeconds(1));
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        List<TestRecord<byte[], byte[]>> out = batches.readRecordsToList();
        assertThat(out).hasSize(1);
        JsonNode p = json(out.get(0).value());
        assertThat(p.path("status").asText()).isEqualTo("in-progress");
        assertThat(p.path("completed").asLong()).isEqualTo(1);
        assertThat(p.path("outstanding").asLong()).isEqualTo(4);
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(batches.isEmpty()).as("no progress record without a change").isTrue();
    }

    private void declare(String batch, long size) {
        events.pipeInput(batch.getBytes(StandardCharsets.UTF_8), BatchEvents.declaration(size, START.toEpochMilli()));
    }

    private void result(String id, String batch, long tookMs) {
        String value = "{\"id\":\"" + id + "\",\"status\":\"completed\",\"firstSeenAt\":\"" + START
                + "\",\"completedAt\":\"" + START.plusMillis(tookMs) + "\""
                + (batch == null ? "" : ",\"batchId\":\"" + batch + "\"") + "}";
        results.pipeInput(id.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    private void deadLetter(String id, String batch) {
        RecordHeaders headers = new RecordHeaders();
        HarvestHeaders.set(headers, HarvestHeaders.FIRST_SEEN, START.toString());
        HarvestHeaders.set(headers, HarvestHeaders.FAILED_AT, START.plusMillis(40).toString());
        String value = "{\"id\":\"" + id + "\",\"type\":\"work\",\"batchId\":\"" + batch + "\"}";
        dlq.pipeInput(new TestRecord<>(id.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8),
                headers, START));
    }

    private List<JsonNode> completions() {
        return batches.readRecordsToList().stream().map(r -> json(r.value()))
                .filter(n -> n.path("status").asText().equals("completed")).toList();
    }

    private static JsonNode json(byte[] value) {
        try {
            return TaskCodec.mapper().readTree(value);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
