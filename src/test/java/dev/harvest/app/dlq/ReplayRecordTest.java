package dev.harvest.app.dlq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.topology.HarvestHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/** The replayed record and the audit record, without a broker. */
class ReplayRecordTest {

    @Test
    void shouldKeepBytesAndOwnHeadersButDropPipelineHeadersWhenReplaying() {
        DeadLetter d = deadLetter(Map.of("trace-id", "abc", HarvestHeaders.ATTEMPT, "4", HarvestHeaders.DUE_AT, "1",
                HarvestHeaders.DLQ_REASON, "max-attempts", HarvestHeaders.REPLAY, "replay-old",
                "__connect.errors.topic", "t", "__streams.errors.offset", "3"));
        ProducerRecord<byte[], byte[]> r = ReplaySender.replayRecord(
                new ReplayReport.Planned(d, "high", "p.tasks.high"), "replay-new");
        assertThat(r.topic()).isEqualTo("p.tasks.high");
        assertThat(r.key()).isSameAs(d.keyBytes());
        assertThat(r.value()).isSameAs(d.value());
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header h : r.headers()) {
            headers.merge(h.key(), new String(h.value(), StandardCharsets.UTF_8), (a, b) -> a + "|" + b);
        }
        assertThat(headers).containsOnly(Map.entry("trace-id", "abc"), Map.entry(HarvestHeaders.REPLAY, "replay-new"),
                Map.entry(CanaryWatch.SOURCE, "p.dlq/1/7"));
    }

    @Test
    void shouldListEveryReplayedOffsetWhenAuditRecordIsReadBack() {
        DeadLetter d = deadLetter(Map.of());
        byte[] audit = ReplayAudit.record("replay-1", "alice", Instant.parse("2030-01-01T00:00:00Z"), "replay-1",
                false, List.of(new ReplayReport.Planned(d, "low", "p.tasks.low")));
        assertThat(new String(audit, StandardCharsets.UTF_8))
                .contains("\"operator\":\"alice\"", "\"targetLane\":\"low\"", "\"at\":\"2030-01-01T00:00:00Z\"");
        assertThat(ReplayAudit.coordinates(audit)).containsExactly("p.dlq/1/7");
        assertThat(ReplayAudit.coordinates("not json".getBytes(StandardCharsets.UTF_8))).isEmpty();
    }

    @Test
    void shouldMatchOnlyAllConditionsWhenFiltering() {
        DeadLetter d = deadLetter(Map.of());
        assertThat(DeadLetterFilter.all().matches(d)).isTrue();
        assertThat(DeadLetterFilter.all().withReason("max-attempts").withLane("high").matches(d)).isTrue();
        assertThat(DeadLetterFilter.all().withReason("malformed").matches(d)).isFalse();
        assertThat(DeadLetterFilter.all().withLane("low").matches(d)).isFalse();
        assertThat(DeadLetterFilter.all().withSince(d.failedAt()).matches(d)).isTrue();
        assertThat(DeadLetterFilter.all().withSince(d.failedAt().plusMillis(1)).matches(d)).isFalse();
        assertThat(DeadLetterFilter.all().withUntil(d.failedAt()).matches(d)).isTrue();
        assertThat(DeadLetterFilter.all().withUntil(d.failedAt().minusMillis(1)).matches(d)).isFalse();
        assertThat(DeadLetterFilter.all().withSince(d.failedAt()).withUntil(d.failedAt()).withLimit(3).matches(d))
                .isTrue();
    }

    private static DeadLetter deadLetter(Map<String, String> headers) {
        List<DeadLetter.RawHeader> raw = new ArrayList<>();
        headers.forEach((k, v) -> raw.add(new DeadLetter.RawHeader(k, v.getBytes(StandardCharsets.UTF_8))));
        return new DeadLetter("p.dlq", 1, 7, "t-1", "t-1", "fetch", "high", "max-attempts", 4,
                Instant.parse("2030-01-01T00:00:00Z"), "boom", headers, raw,
                "t-1".getBytes(StandardCharsets.UTF_8), "{\"id\":\"t-1\",\"type\":\"fetch\"}".getBytes(StandardCharsets.UTF_8));
    }
}
