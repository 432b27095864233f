package dev.harvest.execution;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.harvest.config.HandlerConfig;
import dev.harvest.task.DeadLetterReason;
import dev.harvest.task.TaskOutcome;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * The built-in {@code simulated} handler: stands in for a remote API in tests and the demo.
 *
 * <p>Each attempt completes after the configured {@code latency} on a shared scheduler (the caller is
 * never blocked). Deterministic rules come first: a payload with {@code "poison": true} always
 * dead-letters ({@code PERMANENT_FAILURE}) and {@code "failTimes": k} returns {@code RetryLater} for
 * attempts 1..k. Otherwise one uniform draw picks, by the configured rates, a permanent failure
 * ({@code poisonRate}), {@code RateLimited(1s)} ({@code rateLimitRate}), {@code RetryLater}
 * ({@code failureRate}) or {@code Completed} with {@code {"echo": payload, "keyId": ..., "attempt": n}}.
 * The key's secret never appears in a result.
 */
public final class SimulatedTaskHandler implements TaskHandler {

    /** The wait a simulated 429 asks for. */
    public static final Duration RATE_LIMIT_WAIT = Duration.ofSeconds(1);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HandlerConfig config;
    private final ScheduledExecutorService scheduler;
    private final RandomGenerator random;

    /**
     * @param scheduler completes attempts after the latency; shared, owned by the caller
     * @param random    source of the draws ({@code null}: {@link ThreadLocalRandom}); used under a lock
     */
    public SimulatedTaskHandler(HandlerConfig config, ScheduledExecutorService scheduler, RandomGenerator random) {
        this.config = Objects.requireNonNull(config, "config");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.random = random;
    }

    /** A handler whose draws come from a generator seeded with {@code seed} (reproducible runs). */
    public SimulatedTaskHandler(HandlerConfig config, ScheduledExecutorService scheduler, long seed) {
        this(config, scheduler, new SplittableRandom(seed));
    }

    @Override
    public CompletionStage<TaskOutcome> handle(TaskContext context) {
        TaskOutcome outcome = decide(context);
        CompletableFuture<TaskOutcome> result = new CompletableFuture<>();
        try {
            scheduler.schedule(() -> result.complete(outcome), config.latency().toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException shutDown) {
            result.complete(OutcomeClassifier.fromFailure(shutDown));
        }
        return result;
    }

    /** The outcome of one attempt, decided up front so the scheduled task only completes the stage. */
    TaskOutcome decide(TaskContext context) {
        JsonNode payload = parse(context.task().payloadJson());
        if (payload.path("poison").asBoolean(false)) {
            return new TaskOutcome.DeadLetter(DeadLetterReason.PERMANENT_FAILURE, "simulated-poison",
                    "payload is marked poison");
        }
        int failTimes = payload.path("failTimes").asInt(0);
        int attempt = context.attempt().number();
        if (attempt <= failTimes) {
            return new TaskOutcome.RetryLater(Duration.ZERO, "simulated-failure",
                    "scripted failure " + attempt + " of " + failTimes);
        }
        return drawn(context, payload);
    }

    private TaskOutcome drawn(TaskContext context, JsonNode payload) {
        double u = nextDouble();
        double poison = config.poisonRate();
        double limited = poison + config.rateLimitRate();
        double failed = limited + config.failureRate();
        if (u < poison) {
            return new TaskOutcome.DeadLetter(DeadLetterReason.PERMANENT_FAILURE, "simulated-poison",
                    "simulated permanent failure");
        }
        if (u < limited) {
            return new TaskOutcome.RateLimited(RATE_LIMIT_WAIT);
        }
        if (u < failed) {
            return new TaskOutcome.RetryLater(Duration.ZERO, "simulated-failure", "simulated transient failure");
        }
        return new TaskOutcome.Completed(result(context, payload));
    }

    private double nextDouble() {
        if (random == null) {
            return ThreadLocalRandom.current().nextDouble();
        }
        synchronized (random) {
            return random.nextDouble();
        }
    }

    private static String result(TaskContext context, JsonNode payload) {
        // Written straight to a generator, not built as a tree and serialized: one per completed task.
        StringWriter out = new StringWriter(64);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeFieldName("echo");
            g.writeTree(payload);
            g.writeStringField("keyId", context.keyId());
            g.writeNumberField("attempt", context.attempt().number());
            g.writeEndObject();
        } catch (IOException impossible) {
            throw new UncheckedIOException("cannot write JSON to a string", impossible);
        }
        return out.toString();
    }

    private static JsonNode parse(String payloadJson) {
        if (payloadJson == null || payloadJson.isBlank()) {
            return JSON.getNodeFactory().nullNode();
        }
        try {
            return JSON.readTree(payloadJson);
        } catch (JsonProcessingException notJson) {
            return JSON.getNodeFactory().textNode(payloadJson);
        }
    }
}
