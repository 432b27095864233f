package dev.harvest.topology;

import dev.harvest.testkit.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.config.PipelineConfig;
import dev.harvest.testkit.TestPipelines;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
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

/** The retry app's delay gate: nothing leaves before its due time; everything leaves to its own lane. */
class RetryGateTest {

    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

    private final MutableClock clock = new MutableClock(START);
    private PipelineConfig config;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> tier0;
    private TestOutputTopic<byte[], byte[]> high;
    private TestOutputTopic<byte[], byte[]> low;
    private TestOutputTopic<byte[], byte[]> dlq;

    @BeforeEach
    void setUp() {
        config = TestPipelines.twoLanes("gate", "localhost:1", "  ok: { kind: simulated }", 3);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "gate-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:1");
        driver = new TopologyTestDriver(TopologyFactory.retry(config, clock, Duration.ofMillis(10)), props,
                START);
        tier0 = driver.createInputTopic(config.retryTopics().get(0), new ByteArraySerializer(), new ByteArraySerializer());
        high = out(config.lanes().get(0).topic());
        low = out(config.lanes().get(1).topic());
        dlq = out(config.deadLetterTopic());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void shouldHoldRecordUntilDueAndThenSendItToItsLane() {
        tier0.pipeInput(record("a", "low", START.plusSeconds(5)));
        tick(Duration.ofSeconds(4));
        assertThat(low.isEmpty()).as("nothing before the due time").isTrue();
        tick(Duration.ofMillis(1100));
        TestRecord<byte[], byte[]> released = low.readRecord();
        assertThat(new String(released.value(), StandardCharsets.UTF_8)).isEqualTo("value-a");
        assertThat(released.headers().lastHeader(HarvestHeaders.DUE_AT)).isNull();
        assertThat(new String(released.headers().lastHeader(HarvestHeaders.ATTEMPT).value(), StandardCharsets.UTF_8))
                .isEqualTo("2");
        assertThat(high.isEmpty()).isTrue();
    }

    @Test
    void shouldReleaseInDueOrderAcrossRecords() {
        tier0.pipeInput(record("late", "high", START.plusSeconds(3)));
        tier0.pipeInput(record("early", "high", START.plusSeconds(1)));
        tick(Duration.ofMillis(1500));
        assertThat(high.readRecordsToList()).extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
                .containsExactly("early");
        tick(Duration.ofSeconds(2));
        assertThat(high.readRecordsToList()).extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
                .containsExactly("late");
    }

    @Test
    void shouldSendAtOnceWhenAlreadyDue() {
        tier0.pipeInput(record("now", "high", START.minusSeconds(1)));
        assertThat(high.readRecordsToList()).hasSize(1);
    }

    @Test
    void shouldDeadLetterWhenLaneIsUnknown() {
        tier0.pipeInput(record("x", "no-such-lane", START));
        TestRecord<byte[], byte[]> dead = dlq.readRecord();
        assertThat(new String(dead.headers().lastHeader(HarvestHeaders.DLQ_REASON).value(), StandardCharsets.UTF_8))
                .isEqualTo("malformed");
    }

    private void tick(Duration d) {
        clock.advance(d);
        driver.advanceWallClockTime(d);
    }

    private TestOutputTopic<byte[], byte[]> out(String topic) {
        return driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static TestRecord<byte[], byte[]> record(String key, String lane, Instant due) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(HarvestHeaders.LANE, lane.getBytes(StandardCharsets.UTF_8));
        headers.add(HarvestHeaders.DUE_AT, due.toString().getBytes(StandardCharsets.UTF_8));
        headers.add(HarvestHeaders.ATTEMPT, "2".getBytes(StandardCharsets.UTF_8));
        return new TestRecord<>(key.getBytes(StandardCharsets.UTF_8), ("value-" + key).getBytes(StandardCharsets.UTF_8),
                headers, START);
    }
}
