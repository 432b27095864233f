package dev.harvest.topology;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.harvest.config.Durations;
import dev.harvest.config.PipelineConfig;
import dev.harvest.execution.Completion;
import dev.harvest.retry.RetryDecision;
import dev.harvest.retry.RetryPolicy;
import dev.harvest.task.DeadLetterReason;
import dev.harvest.task.TaskOutcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Turns the outcome of an attempt into the record to write: a result, a retry for the right delay tier, or a
 * dead letter. Pure apart from the clock, so it is tested without Kafka.
 */
public final class OutcomeRouter {

    public static final String RESULTS_SINK = "results-sink";
    public static final String DLQ_SINK = "dead-letter-sink";
    public static final String RETRY_SINK_PREFIX = "retry-sink-";

    private static final ObjectMapper MAPPER = TaskCodec.mapper();

    /** Headers a retry sets; a result drops them, and a retry replaces them. */
    private static final String[] RETRY_HEADERS = {HarvestHeaders.ATTEMPT, HarvestHeaders.FIRST_SEEN,
        HarvestHeaders.LANE, HarvestHeaders.DUE_AT, HarvestHeaders.ERROR_CLASS, HarvestHeaders.ERROR_MESSAGE};

    /**
     * Each completing thread's buffer for result JSON, kept between results: a result is one copy of what was
     * written, not a growing chain of blocks per result.
     */
    private static final ThreadLocal<ByteArrayBuilder> RESULT_BUFFER =
            ThreadLocal.withInitial(() -> new ByteArrayBuilder(1024));

    private final PipelineConfig config;
    private final RetryPolicy retry;
    private final Clock clock;

    public OutcomeRouter(PipelineConfig config, RetryPolicy retry, Clock clock) {
        this.config = config;
        this.retry = retry;
        this.clock = clock;
    }

    /** Sink name of retry tier {@code tier} (0-based). */
    public static String retrySink(int tier) {
        return RETRY_SINK_PREFIX + tier;
    }

    public Routed route(Completion completion, InFlightEntry entry) {
        TaskOutcome outcome = completion.outcome();
        String lane = completion.execution().lane().name();
        int attempt = completion.execution().attempt().number();
        if (outcome instanceof TaskOutcome.Completed done) {
            return new Routed(RESULTS_SINK, result(completion, done, entry), "completed", "");
        } else if (outcome instanceof TaskOutcome.DeadLetter dead) {
            return deadLetter(entry, dead.reason(), dead.errorClass(), dead.message(), attempt, lane);
        } else if (outcome instanceof TaskOutcome.RetryLater later) {
            return retryOrGiveUp(entry, attempt, lane, later.delay(), later.errorClass(), later.message());
        }
        TaskOutcome.RateLimited limited = (TaskOutcome.RateLimited) outcome;
        return retryOrGiveUp(entry, attempt, lane, limited.retryAfter(), "RateLimited",
                "provider answered 429, retry after " + Durations.format(limited.retryAfter()));
    }

    public Routed deadLetter(InFlightEntry entry, DeadLetterReason reason, String errorClass, String message,
                             int attempts, String lane) {
        Record<byte[], byte[]> record = DeadLetters.build(entry, reason, errorClass, message, attempts, lane,
                clock.instant());
        return new Routed(DLQ_SINK, record, "dead-lettered", reason.code());
    }

    private Routed retryOrGiveUp(InFlightEntry entry, int attempt, String lane, Duration atLeast, String errorClass,
                                 String message) {
        RetryDecision decision = retry.decide(attempt, atLeast);
        if (decision instanceof RetryDecision.GiveUp) {
            return deadLetter(entry, DeadLetterReason.MAX_ATTEMPTS, errorClass,
                    "gave up after " + attempt + " attempts; last error: " + message, attempt, lane);
        }
        RetryDecision.Retry r = (RetryDecision.Retry) decision;
        Instant now = clock.instant();
        String firstSeen = IsoInstants.format(entry.firstSeenMs());
        Headers headers = entry.copyHeadersExcept(RETRY_HEADERS);
        HarvestHeaders.append(headers, HarvestHeaders.ATTEMPT, Integer.toString(attempt + 1));
        HarvestHeaders.append(headers, HarvestHeaders.FIRST_SEEN, firstSeen);
        HarvestHeaders.append(headers, HarvestHeaders.LANE, lane);
        HarvestHeaders.append(headers, HarvestHeaders.DUE_AT, IsoInstants.format(now.plus(r.delay())));
        HarvestHeaders.append(headers, HarvestHeaders.ERROR_CLASS, errorClass == null ? "" : errorClass);
        HarvestHeaders.append(headers, HarvestHeaders.ERROR_MESSAGE, DeadLetters.cut(message == null ? "" : message));
        Record<byte[], byte[]> record = new Record<>(entry.key(), entry.value(), now.toEpochMilli(), headers);
        String tierName = Durations.format(config.retry().delays().get(r.tier()));
        return new Routed(retrySink(r.tier()), record, "retried", tierName);
    }

    private Record<byte[], byte[]> result(Completion c, TaskOutcome.Completed done, InFlightEntry entry) {
        String firstSeen = IsoInstants.format(entry.firstSeenMs());
        ByteArrayBuilder bytes = RESULT_BUFFER.get();
        bytes.reset();
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("id", c.execution().task().id());
            g.writeStringField("type", c.execution().task().type());
            g.writeStringField("lane", c.execution().lane().name());
            g.writeStringField("status", "completed");
            g.writeNumberField("attempts", c.execution().attempt().number());
            g.writeStringField("keyId", c.keyId());
            g.writeFieldName("result");
            if (isOneJsonValue(done.resultJson())) {
                g.writeRawValue(done.resultJson());
            } else {
                g.writeString(done.resultJson());
            }
            g.writeStringField("startedAt", c.startedAt() == null ? null : IsoInstants.format(c.startedAt()));
            g.writeStringField("completedAt", IsoInstants.format(c.completedAt()));
            g.writeStringField("firstSeenAt", firstSeen);
            if (c.execution().task().batchId() != null) {
                g.writeStringField("batchId", c.execution().task().batchId());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] value = bytes.toByteArray();
        bytes.reset();
        // A result carries no retry headers; the three it sets replace the task's own.
        Headers headers = entry.copyHeadersExcept(RETRY_HEADERS);
        HarvestHeaders.append(headers, HarvestHeaders.ATTEMPT, Integer.toString(c.execution().attempt().number()));
        HarvestHeaders.append(headers, HarvestHeaders.FIRST_SEEN, firstSeen);
        HarvestHeaders.append(headers, HarvestHeaders.LANE, c.execution().lane().name());
        return new Record<>(entry.key(), value, clock.millis(), headers);
    }

    /**
     * Whether {@code text} is exactly one JSON value (then it is embedded as is; otherwise as a string). A
     * streaming pass: no tree is built for what is copied verbatim.
     */
    private static boolean isOneJsonValue(String text) {
        if (text == null) {
            return false;
        }
        try (JsonParser p = MAPPER.getFactory().createParser(text)) {
            if (p.nextToken() == null) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }
}
