package dev.harvest.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The delayed pass-throughs forward each record as the pipeline's result once its wait, holding a permit, has run,
 * on the stream thread: at the next record or at the next drain, never before the wait ends.
 */
class DelayedResultTest {

    private static final byte[] RESULT = ("{\"id\":\"t-0\",\"status\":\"completed\",\"attempts\":1,"
            + "\"result\":{\"echo\":null},\"completedAt\":\"2026-12-04T18:00:00Z\"}").getBytes(StandardCharsets.UTF_8);
    private static final List<Header> HEADERS = List.of(new RecordHeader("harvest.attempt", bytes("1")));

    /** A timer whose waits end when the test says: each action with the delay it was given. */
    private final List<Runnable> pending = new ArrayList<>();
    private final List<Long> delays = new ArrayList<>();
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> in;
    private TestOutputTopic<byte[], byte[]> out;

    @BeforeEach
    void start() {
        start(Integer.MAX_VALUE);
    }

    private void start(int permits) {
        if (driver != null) {
            driver.close();
        }
        DelayedResult.Timer timer = (ms, action) -> {
            delays.add(ms);
            pending.add(action);
        };
        Topology topology = new Topology();
        topology.addSource("in", "in");
        topology.addProcessor("delayed", () -> new DelayedResult(ResultSample.of(RESULT, HEADERS), timer, 20,
                new FifoPermits(permits)), "in");
        topology.addSink("out", "out", "delayed");
        driver = TestDrivers.of(topology, "delayed-result-test");
        in = driver.createInputTopic("in", new ByteArraySerializer(), new ByteArraySerializer());
        out = driver.createOutputTopic("out", new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void shouldForwardNothingWhileTheWaitRuns() {
        in.pipeInput(bytes("t-1"), bytes("{}"), Instant.ofEpochMilli(1_000));
        driver.advanceWallClockTime(Duration.ofMillis(50));

        assertThat(delays).as("one wait of the handler's latency per record").containsExactly(20L);
        assertThat(out.isEmpty()).isTrue();
    }

    @Test
    void shouldForwardAWaitedRecordAsTheResultAtTheNextDrain() {
        in.pipeInput(bytes("t-1"), bytes("{}"), Instant.ofEpochMilli(1_000));
        pending.forEach(Runnable::run);
        long before = System.currentTimeMillis();
        driver.advanceWallClockTime(DelayedResult.DRAIN);
        long after = System.currentTimeMillis();

        List<TestRecord<byte[], byte[]>> results = out.readRecordsToList();
        assertThat(results).hasSize(1);
        TestRecord<byte[], byte[]> r = results.get(0);
        assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("t-1");
        assertThat(r.value()).isEqualTo(RESULT);
        assertThat(r.headers().lastHeader("harvest.attempt").value()).isEqualTo(bytes("1"));
        assertThat(new String(r.headers().lastHeader(Restamp.CREATED).value(), StandardCharsets.UTF_8))
                .as("the input record's creation time").isEqualTo("1000");
        assertThat(r.timestamp()).as("stamped when forwarded").isBetween(before, after);
    }

    @Test
    void shouldForwardWhatWaitedBeforeTakingTheNextRecordIn() {
        in.pipeInput(bytes("t-1"), bytes("{}"), Instant.ofEpochMilli(1_000));
        in.pipeInput(bytes("t-2"), bytes("{}"), Instant.ofEpochMilli(1_001));
        pending.get(1).run(); // the second wait ends first
        in.pipeInput(bytes("t-3"), bytes("{}"), Instant.ofEpochMilli(1_002));

        assertThat(out.readKeyValuesToList()).extracting(kv -> new String(kv.key, StandardCharsets.UTF_8))
                .as("only what has waited, without a drain").containsExactly("t-2");
        pending.get(0).run();
        pending.get(2).run();
        driver.advanceWallClockTime(DelayedResult.DRAIN);
        assertThat(out.readKeyValuesToList()).extracting(kv -> new String(kv.key, StandardCharsets.UTF_8))
                .containsExactly("t-1", "t-3");
    }

    @Test
    void shouldStartAWaitOnlyWhenAPermitIsFreeInTheOrderTheRecordsCameIn() {
        start(2);
        for (int i = 1; i <= 4; i++) {
            in.pipeInput(bytes("t-" + i), bytes("{}"), Instant.ofEpochMilli(1_000 + i));
        }
        assertThat(pending).as("two permits: two waits run").hasSize(2);

        pending.get(1).run(); // t-2's wait ends: its permit goes to t-3
        assertThat(pending).hasSize(3);
        pending.get(0).run(); // t-1's: to t-4
        pending.get(2).run();
        pending.get(3).run();
        driver.advanceWallClockTime(DelayedResult.DRAIN);
        assertThat(out.readKeyValuesToList()).extracting(kv -> new String(kv.key, StandardCharsets.UTF_8))
                .containsExactly("t-2", "t-1", "t-3", "t-4");
        assertThat(delays).containsOnly(20L).hasSize(4);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
