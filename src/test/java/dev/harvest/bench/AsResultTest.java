package dev.harvest.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harvest.lease.IdempotencyLedger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/** The result pass-through writes each record as the pipeline's result, and records it in the ledger if given one. */
class AsResultTest {

    private static final byte[] RESULT = ("{\"id\":\"t-0\",\"status\":\"completed\",\"attempts\":1,"
            + "\"result\":{\"echo\":null,\"attempt\":1},\"completedAt\":\"2026-12-04T18:00:00Z\"}")
            .getBytes(StandardCharsets.UTF_8);
    private static final List<Header> HEADERS = List.of(
            new RecordHeader("harvest.attempt", bytes("1")),
            new RecordHeader("harvest.lane", bytes("main")));

    /** An in-memory ledger: what was recorded, in order. */
    private static final class Recorded implements IdempotencyLedger {
        final Map<String, String> entries = new LinkedHashMap<>();

        @Override
        public CompletionStage<Optional<String>> recorded(String taskId) {
            return CompletableFuture.completedFuture(Optional.ofNullable(entries.get(taskId)));
        }

        @Override
        public CompletionStage<Void> record(String taskId, String resultJson) {
            entries.put(taskId, resultJson);
            return CompletableFuture.completedFuture(null);
        }
    }

    @Test
    void shouldWriteEachRecordAsTheSampledResultUnderItsOwnKeyAndTime() {
        ResultSample sample = ResultSample.of(RESULT, HEADERS);
        List<TestRecord<byte[], byte[]>> out = run(sample, null, "t-1", "t-2");

        assertThat(out).hasSize(2);
        for (int i = 0; i < 2; i++) {
            TestRecord<byte[], byte[]> r = out.get(i);
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("t-" + (i + 1));
            assertThat(r.value()).isEqualTo(RESULT);
            assertThat(r.headers().toArray()).containsExactlyElementsOf(HEADERS);
            assertThat(r.timestamp()).as("the input record's time").isEqualTo(1_000L + i);
        }
    }

    @Test
    void shouldRecordEachKeyInTheLedgerWithTheSampledHandlerResult() {
        Recorded ledger = new Recorded();
        List<TestRecord<byte[], byte[]>> out = run(ResultSample.of(RESULT, HEADERS), ledger, "t-1", "t-2", "t-3");

        assertThat(out).hasSize(3);
        assertThat(ledger.entries).containsOnlyKeys("t-1", "t-2", "t-3")
                .allSatisfy((id, json) -> assertThat(json).isEqualTo("{\"echo\":null,\"attempt\":1}"));
    }

    @Test
    void shouldCountTheValueAndTheHeadersBytes() {
        ResultSample sample = ResultSample.of(RESULT, HEADERS);
        assertThat(sample.bytes()).isEqualTo(RESULT.length + "harvest.attempt".length() + 1 + "harvest.lane".length() + 4);
    }

    @Test
    void shouldRefuseARecordThatIsNotAResult() {
        assertThatThrownBy(() -> ResultSample.of(bytes("not json"), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> ResultSample.of(bytes("{\"id\":\"t-1\"}"), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no 'result' field");
    }

    private static List<TestRecord<byte[], byte[]>> run(ResultSample sample, IdempotencyLedger ledger, String... keys) {
        Topology topology = new Topology();
        topology.addSource("in", "in");
        topology.addProcessor("result", () -> new AsResult(sample, ledger), "in");
        topology.addSink("out", "out", "result");
        try (TopologyTestDriver driver = TestDrivers.of(topology, "as-result-test")) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic("in", new ByteArraySerializer(),
                    new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> out = driver.createOutputTopic("out", new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            for (int i = 0; i < keys.length; i++) {
                in.pipeInput(bytes(keys[i]), bytes("{\"id\":\"" + keys[i] + "\",\"type\":\"work\"}"),
                        Instant.ofEpochMilli(1_000L + i));
            }
            return out.readRecordsToList();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
