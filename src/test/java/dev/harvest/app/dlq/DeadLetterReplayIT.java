package dev.harvest.app.dlq;

import static dev.harvest.app.dlq.DlqFixture.header;
import static dev.harvest.app.dlq.DlqFixture.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.harvest.topology.HarvestHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dead-letter reading and replay on a real broker with a running pipeline. Ordered: the list test sees the
 * eight original dead letters before the replays add new ones.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeadLetterReplayIT {

    private DlqFixture fx;
    private Instant startedAt;

    @BeforeAll
    void startPipeline(@TempDir Path dir) throws Exception {
        startedAt = Instant.now();
        fx = new DlqFixture(dir);
    }

    @AfterAll
    void stopPipeline() {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    @Order(1)
    void shouldSelectByReasonLaneSinceAndLimitWhenReading() {
        try (DeadLetterReader reader = new DeadLetterReader(fx.config)) {
            assertThat(reader.read(DeadLetterFilter.all())).hasSize(DlqFixture.DEAD_LETTERS);
            List<DeadLetter> maxed = reader.read(DeadLetterFilter.all().withReason("max-attempts"));
            assertThat(maxed).extracting(DeadLetter::taskId).containsExactlyInAnyOrder("f1", "f2", "f3");
            assertThat(maxed).allSatisfy(d -> {
                assertThat(d.lane()).isEqualTo("high");
                assertThat(d.type()).isEqualTo("fetch");
                assertThat(d.attempts()).isEqualTo(2);
                assertThat(d.errorMessage()).contains("gave up after 2 attempts");
            });
            assertThat(reader.read(DeadLetterFilter.all().withLane("low"))).extracting(DeadLetter::taskId)
                    .containsExactlyInAnyOrder("p1", "p2", "p3", "u1");
            assertThat(reader.read(DeadLetterFilter.all().withReason("malformed")))
                    .singleElement().satisfies(d -> assertThat(d.key()).isEqualTo("m1"));
            assertThat(reader.read(DeadLetterFilter.all().withSince(Instant.now().plusSeconds(3600)))).isEmpty();
            assertThat(reader.read(DeadLetterFilter.all().withSince(startedAt))).hasSize(DlqFixture.DEAD_LETTERS);
            List<DeadLetter> two = reader.read(DeadLetterFilter.all().withLimit(2));
            assertThat(two).hasSize(2).isSortedAccordingTo(DeadLetterReader.OLDEST_FIRST);
        }
    }

    @Test
    @Order(2)
    void shouldWriteOnlyPlainUtf8HeadersWhenDeadLettering() {
        List<ConsumerRecord<byte[], byte[]>> records = fx.records(fx.config.deadLetterTopic());
        assertThat(records).hasSizeGreaterThanOrEqualTo(DlqFixture.DEAD_LETTERS);
        for (ConsumerRecord<byte[], byte[]> r : records) {
            assertThat(r.headers().toArray()).isNotEmpty();
            for (Header h : r.headers()) {
                String value = strictUtf8(h.value(), h.key());
                assertThat(value).as(h.key()).doesNotContainPattern("\\p{Cntrl}");
            }
            assertThat(header(r, HarvestHeaders.DLQ_REASON)).isNotBlank();
            assertThat(header(r, "__connect.errors.topic")).isEqualTo(header(r, HarvestHeaders.ORIGIN_TOPIC));
        }
    }

    @Test
    @Order(3)
    void shouldSendAndRecordNothingWhenDryRun() {
        long before = fx.laneRecords();
        ReplayReport report = replayer().replay(ReplayRequest.of(DeadLetterFilter.all().withReason("unknown-type"))
                .withDryRun(true));
        assertThat(report.dryRun()).isTrue();
        assertThat(report.planned()).singleElement().satisfies(p -> assertThat(p.targetLane()).isEqualTo("low"));
        assertThat(report.sent()).isZero();
        assertThat(fx.laneRecords()).as("records in the lane topics").isEqualTo(before);
        assertThat(new ReplayAudit(fx.config).replayed()).isEmpty();
    }

    @Test
    @Order(4)
    void shouldCompleteInOriginLaneAndRefuseSecondReplayWhenProviderIsBack() throws Exception {
        fx.startProvider();
        DeadLetterFilter maxed = DeadLetterFilter.all().withReason("max-attempts");
        ReplayReport report = replayer().replay(ReplayRequest.of(maxed).withOperator("alice")
                .withCanary(1, Duration.ofSeconds(30)));
        assertThat(report.stopped()).as(String.valueOf(report.stopReason())).isFalse();
        assertThat(report.canary().passed()).isTrue();
        assertThat(report.sent()).isEqualTo(3);
        assertThat(report.planned()).allSatisfy(p -> assertThat(p.targetLane()).isEqualTo("high"));
        List<ConsumerRecord<byte[], byte[]>> results = awaitResults(report.auditId(), 3);
        assertThat(results).extracting(DlqFixture::key).containsExactlyInAnyOrder("f1", "f2", "f3");
        assertThat(results).allSatisfy(r -> {
            assertThat(header(r, HarvestHeaders.LANE)).isEqualTo("high");
            assertThat(header(r, HarvestHeaders.ATTEMPT)).as("a fresh attempt count").isEqualTo("1");
        });
        assertThat(results).filteredOn(r -> key(r).equals("f1")).singleElement()
                .satisfies(r -> assertThat(header(r, "trace-id")).isEqualTo("trace-f1"));
        assertAudit(report);
        ReplayReport again = replayer().replay(ReplayRequest.of(maxed));
        assertThat(again.planned()).isEmpty();
        assertThat(again.alreadyReplayed()).isEqualTo(3);
        assertThat(again.sent()).isZero();
        ReplayReport forced = replayer().replay(ReplayRequest.of(maxed).withForce(true).withDryRun(true));
        assertThat(forced.planned()).hasSize(3);
    }

    @Test
    @Order(5)
    void shouldStopAfterCanaryWhenItDeadLettersAgain() {
        DeadLetterFilter poison = DeadLetterFilter.all().withReason("permanent-failure");
        Set<String> originals = fx.allDeadLetters().stream().filter(poison::matches).map(DeadLetter::coordinates)
                .collect(Collectors.toSet());
        ReplayReport report = replayer().replay(ReplayRequest.of(poison).withCanary(1, Duration.ofSeconds(30)));
        assertThat(report.stopped()).isTrue();
        assertThat(report.stopReason()).contains("dead-lettered again");
        assertThat(report.canary().failed()).singleElement().asString().contains("permanent-failure");
        assertThat(report.sent()).isEqualTo(1);
        String canarySource = report.planned().get(0).deadLetter().coordinates();
        assertThat(fx.allDeadLetters()).filteredOn(d -> report.auditId().equals(d.headers().get(HarvestHeaders.REPLAY)))
                .singleElement().satisfies(d -> assertThat(d.headers().get(CanaryWatch.SOURCE)).isEqualTo(canarySource));
        Set<String> notSent = originals.stream().filter(c -> !c.equals(canarySource)).collect(Collectors.toSet());
        ReplayReport next = replayer().replay(ReplayRequest.of(poison).withDryRun(true));
        assertThat(next.planned()).extracting(p -> p.deadLetter().coordinates())
                .as("the two not sent are still eligible, the canary is not").containsAll(notSent)
                .doesNotContain(canarySource);
    }

    @Test
    @Order(6)
    void shouldPrintTableJsonLinesAndRecordWhenUsingCli() throws Exception {
        String file = fx.file.toString();
        Cli table = Cli.run("dlq", "list", "--topology", file, "--reason", "max-attempts");
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out()).contains("PART", "OFFSET", "TASK ID", "f1", "f2", "f3", "fetch", "max-attempts")
                .contains("3 dead letters");
        Cli json = Cli.run("dlq", "list", "--topology", file, "--reason", "malformed", "--json");
        JsonNode line = new ObjectMapper().readTree(json.out().strip());
        assertThat(line.path("key").asText()).isEqualTo("m1");
        assertThat(line.path("headers").path(HarvestHeaders.DLQ_REASON).asText()).isEqualTo("malformed");
        assertThat(line.path("value").asText()).isEqualTo("{\"id\":");
        DeadLetter f1 = fx.allDeadLetters().stream().filter(d -> "f1".equals(d.key())).findFirst().orElseThrow();
        Cli show = Cli.run("dlq", "show", "--topology", file, "--offset", Long.toString(f1.offset()),
                "--partition", Integer.toString(f1.partition()));
        assertThat(show.code()).as(show.err()).isZero();
        assertThat(show.out()).contains("harvest.dlq.reason: max-attempts", "trace-id: trace-f1",
                "harvest.origin.topic: " + fx.config.lane("high").orElseThrow().topic(), "\"q\" : 1");
        Cli dry = Cli.run("dlq", "replay", "--topology", file, "--reason", "unknown-type", "--dry-run");
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("u1", "unknown-type", "would send", "low -> low", "dry run: would replay 1");
        Cli bad = Cli.run("dlq", "replay", "--topology", file, "--to-lane", "nowhere", "--dry-run");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err().strip()).startsWith("error: unknown lane 'nowhere'");
    }

    private List<ConsumerRecord<byte[], byte[]>> awaitResults(String auditId, int n) {
        await().alias("results of the replayed tasks").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(300))
                .until(() -> replayedResults(auditId).size() >= n);
        return replayedResults(auditId);
    }

    private List<ConsumerRecord<byte[], byte[]>> replayedResults(String auditId) {
        return fx.records(fx.config.resultsTopic()).stream()
                .filter(r -> auditId.equals(header(r, HarvestHeaders.REPLAY))).toList();
    }

    private void assertAudit(ReplayReport report) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> audit = fx.records(ReplayAudit.topic(fx.config)).stream()
                .map(r -> readTree(json, r.value())).filter(n -> n.path("id").asText().equals(report.auditId()))
                .toList();
        assertThat(audit).extracting(n -> n.path("phase").asText()).containsExactly("canary-1", "replay-2");
        assertThat(audit).allSatisfy(n -> {
            assertThat(n.path("operator").asText()).isEqualTo("alice");
            assertThat(Instant.parse(n.path("at").asText())).isAfter(startedAt);
            assertThat(n.path("dlqTopic").asText()).isEqualTo(fx.config.deadLetterTopic());
        });
        Set<String> listed = audit.stream().flatMap(n -> n.path("records").valueStream()
                .peek(r -> assertThat(r.path("targetLane").asText()).isEqualTo("high"))
                .map(r -> fx.config.deadLetterTopic() + "/" + r.path("partition").asInt() + "/" + r.path("offset").asLong()))
                .collect(Collectors.toSet());
        assertThat(listed).isEqualTo(report.planned().stream().map(p -> p.deadLetter().coordinates())
                .collect(Collectors.toSet()));
    }

    private static JsonNode readTree(ObjectMapper json, byte[] value) {
        try {
            return json.readTree(value);
        } catch (java.io.IOException e) {
            throw new AssertionError("audit record is not JSON", e);
        }
    }

    private DeadLetterReplayer replayer() {
        return new DeadLetterReplayer(fx.config, Clock.systemUTC());
    }

    private static String strictUtf8(byte[] bytes, String name) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return decoder.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new AssertionError("header " + name + " is not valid UTF-8", e);
        }
    }
}
