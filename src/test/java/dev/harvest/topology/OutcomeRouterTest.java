package dev.harvest.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;
import dev.harvest.execution.Completion;
import dev.harvest.execution.Execution;
import dev.harvest.retry.RetryPolicy;
import dev.harvest.task.Attempt;
import dev.harvest.task.DeadLetterReason;
import dev.harvest.task.Lane;
import dev.harvest.task.Task;
import dev.harvest.task.TaskOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Random;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.provider.CsvSource;

class OutcomeRouterTest {

    private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
    private static final Instant FIRST_SEEN = Instant.parse("2025-03-01T11:59:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final Lane NORMAL = new Lane("normal", 1);
    private static final byte[] KEY = "task-key".getBytes(StandardCharsets.UTF_8);
    private static final byte[] VALUE = "{\"id\":\"t1\",\"type\":\"work\"}".getBytes(StandardCharsets.UTF_8);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final PipelineConfig CONFIG = new PipelineLoader(n -> null).parse("""
            pipeline: rt
            kafka: { bootstrapServers: "k:9092" }
            lanes:
              - { name: high, topic: rt.tasks.high }
              - { name: normal, topic: rt.tasks.normal }
            retry: { delays: [1s, 10s, 1m], maxAttempts: 4, jitter: 0 }
            handlers: { work: { kind: simulated } }
            """);

    private final OutcomeRouter router = new OutcomeRouter(CONFIG,
            new RetryPolicy(CONFIG.retry(), CONFIG.retryTopics(), new Random(1)), CLOCK);

    @Test
    void shouldWriteResultRecordWhenTaskCompleted() throws Exception {
        Completion c = completion(2, new TaskOutcome.Completed("{\"answer\":42}"), "k1");
        InFlightEntry entry = entry(2, headers(HarvestHeaders.DUE_AT, "2025-03-01T11:59:30Z",
                HarvestHeaders.ERROR_CLASS, "old", HarvestHeaders.ERROR_MESSAGE, "old", "trace-id", "abc",
                HarvestHeaders.ATTEMPT, "1", HarvestHeaders.LANE, "low"));

        Routed routed = router.route(c, entry);

        assertThat(routed.child()).isEqualTo(OutcomeRouter.RESULTS_SINK);
        assertThat(routed.outcome()).isEqualTo("completed");
        Record<byte[], byte[]> r = routed.record();
        assertThat(r.key()).isEqualTo(KEY);
        assertThat(r.timestamp()).isEqualTo(NOW.toEpochMilli());
        JsonNode body = JSON.readTree(r.value());
        assertThat(body.get("id").asText()).isEqualTo("t1");
        assertThat(body.get("type").asText()).isEqualTo("work");
        assertThat(body.get("lane").asText()).isEqualTo("normal");
        assertThat(body.get("status").asText()).isEqualTo("completed");
        assertThat(body.get("attempts").asInt()).isEqualTo(2);
        assertThat(body.get("keyId").asText()).isEqualTo("k1");
        assertThat(body.get("result")).isEqualTo(JSON.readTree("{\"answer\":42}"));
        assertThat(body.get("startedAt").asText()).isEqualTo(NOW.minusSeconds(1).toString());
        assertThat(body.get("completedAt").asText()).isEqualTo(NOW.toString());
        assertThat(body.get("firstSeenAt").asText()).isEqualTo(FIRST_SEEN.toString());
        Headers h = r.headers();
        assertThat(HarvestHeaders.get(h, HarvestHeaders.ATTEMPT)).isEqualTo("2");
        assertThat(HarvestHeaders.get(h, HarvestHeaders.LANE)).isEqualTo("normal");
        assertThat(HarvestHeaders.get(h, HarvestHeaders.FIRST_SEEN)).isEqualTo(FIRST_SEEN.toString());
        assertThat(HarvestHeaders.get(h, "trace-id")).isEqualTo("abc");
        assertThat(h.lastHeader(HarvestHeaders.DUE_AT)).isNull();
        assertThat(h.lastHeader(HarvestHeaders.ERROR_CLASS)).isNull();
        assertThat(h.lastHeader(HarvestHeaders.ERROR_MESSAGE)).isNull();
        assertThat(h.headers(HarvestHeaders.ATTEMPT)).as("replaced, not added to").hasSize(1);
        assertThat(h.headers(HarvestHeaders.LANE)).hasSize(1);
        assertThat(h.headers(HarvestHeaders.FIRST_SEEN)).hasSize(1);
    }

    @Test
    void shouldGiveEachResultItsOwnBytesWhenOneThreadWritesSeveral() throws Exception {
        Record<byte[], byte[]> longer = router.route(completion(1, new TaskOutcome.Completed(
                "{\"text\":\"" + "x".repeat(3_000) + "\"}"), "k1"), entry(1, new RecordHeaders())).record();
        byte[] copy = longer.value().clone();
        Record<byte[], byte[]> shorter = router.route(completion(1, new TaskOutcome.Completed("7"), "k2"),
                entry(1, new RecordHeaders())).record();

        assertThat(longer.value()).as("untouched by the next result").isEqualTo(copy);
        JsonNode body = JSON.readTree(shorter.value());
        assertThat(body.get("result").asInt()).isEqualTo(7);
        assertThat(body.get("keyId").asText()).isEqualTo("k2");
        assertThat(JSON.readTree(longer.value()).get("result").get("text").asText()).hasSize(3_000);
    }

    @Test
    void shouldWrapNonJsonResultAsTextWhenResultIsNotJson() throws Exception {
        Routed routed = router.route(completion(1, new TaskOutcome.Completed("plain words"), null), entry(1, new RecordHeaders()));

        JsonNode body = JSON.readTree(routed.record().value());
        assertThat(body.get("result").asText()).isEqualTo("plain words");
        assertThat(body.get("keyId").isNull()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1 2", "{\"a\":1} trailing", "{\"a\":", "", "   "})
    void shouldWrapResultAsTextWhenItIsNotExactlyOneJsonValue(String text) throws Exception {
        Routed routed = router.route(completion(1, new TaskOutcome.Completed(text), null), entry(1, new RecordHeaders()));

        JsonNode body = JSON.readTree(routed.record().value());
        assertThat(body.get("result").isTextual()).isTrue();
        assertThat(body.get("result").asText()).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":[1,{\"b\":null}]}", "[1,2]", "42", "\"quoted\"", "true", " {\"x\": \"y\"} "})
    void shouldEmbedResultAsJsonWhenItIsOneJsonValue(String json) throws Exception {
        Routed routed = router.route(completion(1, new TaskOutcome.Completed(json), null), entry(1, new RecordHeaders()));

        JsonNode body = JSON.readTree(routed.record().value());
        assertThat(body.get("result")).isEqualTo(JSON.readTree(json));
    }

    @Test
    void shouldNotChangeTheEntryHeadersWhenRouting() {
        InFlightEntry entry = entry(1, headers(HarvestHeaders.ATTEMPT, "1"));

        router.route(completion(1, new TaskOutcome.RetryLater(Duration.ZERO, "E", "m"), null), entry);

        assertThat(HarvestHeaders.get(entry.headers(), HarvestHeaders.ATTEMPT)).isEqualTo("1");
        assertThat(entry.headers().lastHeader(HarvestHeaders.DUE_AT)).isNull();
    }

    @ParameterizedTest(name = "attempt {0} -> {1}")
    @CsvSource({
        "1, retry-sink-0, 1s, 1000",
        "2, retry-sink-1, 10s, 10000",
        "3, retry-sink-2, 1m, 60000",
    })
    void shouldSendToTierOfAttemptWithDueTimeWhenTaskShouldRetry(int attempt, String sink, String tier, long delayMs) {
        Completion c = completion(attempt, new TaskOutcome.RetryLater(Duration.ZERO, "http-503", "HTTP 503"), "k1");

        Routed routed = router.route(c, entry(attempt, headers(HarvestHeaders.ATTEMPT, Integer.toString(attempt))));

        assertThat(routed.child()).isEqualTo(sink).isEqualTo(OutcomeRouter.retrySink(attempt - 1));
        assertThat(routed.outcome()).isEqualTo("retried");
        assertThat(routed.detail()).isEqualTo(tier);
        Record<byte[], byte[]> r = routed.record();
        assertThat(r.key()).isEqualTo(KEY);
        assertThat(r.value()).isEqualTo(VALUE);
        assertThat(r.timestamp()).isEqualTo(NOW.toEpochMilli());
        Headers h = r.headers();
        assertThat(HarvestHeaders.get(h, HarvestHeaders.ATTEMPT)).isEqualTo(Integer.toString(attempt + 1));
        assertThat(h.headers(HarvestHeaders.ATTEMPT)).hasSize(1);
        assertThat(HarvestHeaders.getInstant(h, HarvestHeaders.DUE_AT)).isEqualTo(NOW.plusMillis(delayMs));
        assertThat(HarvestHeaders.get(h, HarvestHeaders.FIRST_SEEN)).isEqualTo(FIRST_SEEN.toString());
        assertThat(HarvestHeaders.get(h, HarvestHeaders.LANE)).isEqualTo("normal");
        assertThat(HarvestHeaders.get(h, HarvestHeaders.ERROR_CLASS)).isEqualTo("http-503");
        assertThat(HarvestHeaders.get(h, HarvestHeaders.ERROR_MESSAGE)).isEqualTo("HTTP 503");
    }

    @Test
    void shouldWaitForRetryAfterWhenRateLimitedForLongerThanTheTier() {
        Completion c = completion(1, new TaskOutcome.RateLimited(Duration.ofSeconds(30)), "k1");

        Routed routed = router.route(c, entry(1, new RecordHeaders()));

        assertThat(routed.child()).isEqualTo(OutcomeRouter.retrySink(0));
        Headers h = routed.record().headers();
        assertThat(HarvestHeaders.getInstant(h, HarvestHeaders.DUE_AT)).isEqualTo(NOW.plusSeconds(30));
        assertThat(HarvestHeaders.get(h, HarvestHeaders.ERROR_CLASS)).isEqualTo("RateLimited");
        assertThat(HarvestHeaders.get(h, HarvestHeaders.ERROR_MESSAGE)).contains("429").contains("30s");
    }

    @Test
    void shouldDeadLetterWithMaxAttemptsWhenLastAttemptFails() {
        Completion c = completion(4, new TaskOutcome.RetryLater(Duration.ZERO, "http-500", "HTTP 500: oops"), "k1");

        Routed routed = router.route(c, entry(4, new RecordHeaders()));

        assertThat(routed.child()).isEqualTo(OutcomeRouter.DLQ_SINK);
        assertThat(routed.outcome()).isEqualTo("dead-lettered");
        assertThat(routed.detail()).isEqualTo("max-attempts");
        Headers h = routed.record().headers();
        assertThat(HarvestHeaders.get(h, HarvestHeaders.DLQ_REASON)).isEqualTo("max-attempts");
        assertThat(HarvestHeaders.get(h, HarvestHeaders.ATTEMPTS)).isEqualTo("4");
        assertThat(HarvestHeaders.get(h, HarvestHeaders.ERROR_CLASS)).isEqualTo("http-500");
        assertThat(HarvestHeaders.get(h, HarvestHeaders.ERROR_MESSAGE)).contains("4 attempts").contains("HTTP 500: oops");
        assertThat(routed.record().value()).isEqualTo(VALUE);
    }

    @Test
    void shouldDeadLetterWithMaxAttemptsWhenLastAttemptIsRateLimited() {
        Routed routed = router.route(completion(4, new TaskOutcome.RateLimited(Duration.ofSeconds(1)), "k1"),
                entry(4, new RecordHeaders()));

        assertThat(routed.child()).isEqualTo(OutcomeRouter.DLQ_SINK);
        assertThat(routed.detail()).isEqualTo("max-attempts");
    }

    @Test
    void shouldDeadLetterWithHandlerReasonWhenOutcomeIsDeadLetter() {
        Completion c = completion(1, new TaskOutcome.DeadLetter(DeadLetterReason.PERMANENT_FAILURE, "http-400",
                "HTTP 400: bad request"), "k1");

        Routed routed = router.route(c, entry(1, new RecordHeaders()));

        assertThat(routed.child()).isEqualTo(OutcomeRouter.DLQ_SINK);
        assertThat(routed.detail()).isEqualTo("permanent-failure");
        Headers h = routed.record().headers();
        assertThat(HarvestHeaders.get(h, HarvestHeaders.DLQ_REASON)).isEqualTo("permanent-failure");
        assertThat(HarvestHeaders.get(h, HarvestHeaders.ATTEMPTS)).isEqualTo("1");
        assertThat(HarvestHeaders.get(h, HarvestHeaders.LANE)).isEqualTo("normal");
        assertThat(HarvestHeaders.get(h, HarvestHeaders.ERROR_MESSAGE)).isEqualTo("HTTP 400: bad request");
        assertThat(HarvestHeaders.get(h, HarvestHeaders.FAILED_AT)).isEqualTo(NOW.toString());
    }

    @Test
    void shouldDeadLetterDirectlyWithGivenReasonWhenAskedTo() {
        Routed routed = router.deadLetter(entry(1, new RecordHeaders()), DeadLetterReason.MALFORMED, "Malformed",
                "not valid JSON", 1, "high");

        assertThat(routed.child()).isEqualTo(OutcomeRouter.DLQ_SINK);
        assertThat(routed.detail()).isEqualTo("malformed");
        assertThat(HarvestHeaders.get(routed.record().headers(), HarvestHeaders.LANE)).isEqualTo("high");
        assertThat(routed.record().key()).isEqualTo(KEY);
    }

    private static Completion completion(int attempt, TaskOutcome outcome, String keyId) {
        Execution execution = new Execution("e1", new Task("t1", "work", "{}", null, null),
                new Attempt(attempt, FIRST_SEEN), NORMAL, true);
        return new Completion(execution, outcome, keyId, NOW.minusSeconds(1), NOW, false);
    }

    private static InFlightEntry entry(int attempt, Headers headers) {
        return new InFlightEntry(KEY, VALUE, headers, "rt.tasks.normal", 3, 42L, FIRST_SEEN.toEpochMilli(), attempt,
                FIRST_SEEN.toEpochMilli());
    }

    private static Headers headers(String... kv) {
        RecordHeaders h = new RecordHeaders();
        for (int i = 0; i < kv.length; i += 2) {
            h.add(kv[i], kv[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return h;
    }
}
