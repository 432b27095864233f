package dev.harvest.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.config.HandlerConfig;
import dev.harvest.lease.KeySecret;
import dev.harvest.task.Attempt;
import dev.harvest.task.DeadLetterReason;
import dev.harvest.task.Lane;
import dev.harvest.task.Task;
import dev.harvest.task.TaskOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SimulatedTaskHandlerTest {

    private static final String SECRET = "sk-sim-secret";

    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    @Test
    void shouldCompleteWithEchoKeyIdAndAttemptWhenNoFailureIsDrawn() {
        SimulatedTaskHandler handler = handler(0, 0, 0, Duration.ZERO, 1L);

        TaskOutcome outcome = run(handler, "{\"q\":\"x\"}", 3);

        assertThat(outcome).isEqualTo(new TaskOutcome.Completed("{\"echo\":{\"q\":\"x\"},\"keyId\":\"key-1\",\"attempt\":3}"));
        assertThat(outcome.toString()).doesNotContain(SECRET);
    }

    @Test
    void shouldDeadLetterWhenPayloadIsPoison() {
        SimulatedTaskHandler handler = handler(0, 0, 0, Duration.ZERO, 1L);

        assertThat(run(handler, "{\"poison\": true}", 1)).isInstanceOfSatisfying(TaskOutcome.DeadLetter.class,
                dl -> assertThat(dl.reason()).isEqualTo(DeadLetterReason.PERMANENT_FAILURE));
    }

    @Test
    void shouldRetryForFirstAttemptsWhenPayloadSaysFailTimes() {
        SimulatedTaskHandler handler = handler(0, 0, 0, Duration.ZERO, 1L);
        String payload = "{\"failTimes\": 2}";

        assertThat(run(handler, payload, 1)).isInstanceOf(TaskOutcome.RetryLater.class);
        assertThat(run(handler, payload, 2)).isInstanceOf(TaskOutcome.RetryLater.class);
        assertThat(run(handler, payload, 3)).isInstanceOf(TaskOutcome.Completed.class);
    }

    @Test
    void shouldFollowConfiguredRatesWhenTheyAreCertain() {
        assertThat(run(handler(1.0, 0, 0, Duration.ZERO, 1L), "{}", 1)).isInstanceOf(TaskOutcome.RetryLater.class);
        assertThat(run(handler(0, 1.0, 0, Duration.ZERO, 1L), "{}", 1))
                .isEqualTo(new TaskOutcome.RateLimited(Duration.ofSeconds(1)));
        assertThat(run(handler(0, 0, 1.0, Duration.ZERO, 1L), "{}", 1)).isInstanceOf(TaskOutcome.DeadLetter.class);
    }

    @Test
    void shouldRepeatOutcomesWhenSeedIsTheSame() {
        assertThat(outcomeKinds(handler(0.3, 0.2, 0.1, Duration.ZERO, 7L)))
                .isEqualTo(outcomeKinds(handler(0.3, 0.2, 0.1, Duration.ZERO, 7L)))
                .contains("Completed", "RetryLater", "RateLimited", "DeadLetter");
    }

    @Test
    void shouldReturnBeforeLatencyHasPassedWhenCalled() {
        SimulatedTaskHandler handler = handler(0, 0, 0, Duration.ofSeconds(30), 1L);

        CompletableFuture<TaskOutcome> stage = handler.handle(context("{}", 1)).toCompletableFuture();

        assertThat(stage).isNotDone();
    }

    @Test
    void shouldCompleteAfterLatencyWhenLatencyIsShort() {
        SimulatedTaskHandler handler = handler(0, 0, 0, Duration.ofMillis(50), 1L);
        long start = System.nanoTime();

        TaskOutcome outcome = run(handler, "{}", 1);

        assertThat(outcome).isInstanceOf(TaskOutcome.Completed.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(50));
    }

    @Test
    void shouldBuildHandlerByKindWhenFactoryCreates() {
        HandlerConfig simulated = new HandlerConfig("simulated", null, null, null, Duration.ZERO, null, null, null,
                null, null);
        HandlerConfig http = new HandlerConfig("http", "POST", "http://127.0.0.1:1/v1/work", null, null, null, null,
                null, null, null);
        try (HandlerFactory factory = new HandlerFactory(Duration.ofSeconds(1), 3L, Clock.systemUTC())) {
            var handlers = factory.createAll(Map.of("sim", simulated, "fetch", http));

            assertThat(handlers.get("sim")).isInstanceOf(SimulatedTaskHandler.class);
            assertThat(handlers.get("fetch")).isInstanceOf(HttpTaskHandler.class);
            assertThat(run(handlers.get("sim"), "{}", 1)).isInstanceOf(TaskOutcome.Completed.class);
        }
    }

    private List<String> outcomeKinds(SimulatedTaskHandler handler) {
        List<String> kinds = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            kinds.add(run(handler, "{}", 1).getClass().getSimpleName());
        }
        return kinds;
    }

    private SimulatedTaskHandler handler(double failure, double rateLimit, double poison, Duration latency, long seed) {
        HandlerConfig config = new HandlerConfig("simulated", null, null, null, latency, failure, rateLimit, poison,
                "pool", null);
        return new SimulatedTaskHandler(config, scheduler, seed);
    }

    private static TaskOutcome run(TaskHandler handler, String payload, int attempt) {
        return handler.handle(context(payload, attempt)).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private static TaskContext context(String payload, int attempt) {
        return new TaskContext(new Task("t-1", "simulate", payload, null, null), new Attempt(attempt, Instant.now()),
                new Lane("normal", 1), "key-1", new KeySecret(SECRET));
    }
}
