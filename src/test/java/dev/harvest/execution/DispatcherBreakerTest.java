package dev.harvest.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.config.BreakerConfig;
import dev.harvest.config.KeyConfig;
import dev.harvest.config.KeyPoolConfig;
import dev.harvest.config.LaneConfig;
import dev.harvest.config.PermitConfig;
import dev.harvest.lease.AdmissionRequest;
import dev.harvest.lease.KeySecret;
import dev.harvest.lease.Lease;
import dev.harvest.lease.local.InJvmAdmissionControl;
import dev.harvest.task.Attempt;
import dev.harvest.task.DeadLetterReason;
import dev.harvest.task.Lane;
import dev.harvest.task.Task;
import dev.harvest.task.TaskOutcome;
import dev.harvest.testkit.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The handler's circuit breaker as the dispatcher uses it: before admission, counted on the handler's outcome. */
class DispatcherBreakerTest {

    private static final Lane HIGH = new Lane("high", 0);
    private static final Duration SHORT = Duration.ofSeconds(3);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final TaskOutcome FAIL = new TaskOutcome.RetryLater(Duration.ZERO, "http-503", "HTTP 503");
    private static final TaskOutcome OK = new TaskOutcome.Completed("{}");

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final InJvmAdmissionControl admission = new InJvmAdmissionControl(
            List.of(new KeyPoolConfig("pool", 4, Duration.ZERO,
                    List.of(new KeyConfig("k1", "secret-k1", null, null)), false)),
            List.of(new PermitConfig("calls", 4, Duration.ofSeconds(30), Map.of())),
            List.of(new LaneConfig("high", "t.high", 1, 10)), scheduler, clock);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Queue<CompletableFuture<TaskOutcome>> answers = new ConcurrentLinkedQueue<>();
    private final AtomicInteger calls = new AtomicInteger();
    private HandlerBreaker breaker;
    private TaskDispatcher dispatcher;

    @AfterEach
    void tearDown() {
        if (dispatcher != null) {
            dispatcher.close();
        }
        admission.close();
        scheduler.shutdownNow();
    }

    @Test
    void shouldTurnTasksAwayWithoutTakingAPermitWhenFailureRateCrossesThreshold() {
        start(new BreakerConfig(true, 50, 100, Duration.ofSeconds(2), 4, 4, WAIT, 1), Duration.ofSeconds(5));
        failTimes(4);
        assertThat(breaker.state()).isEqualTo(HandlerBreaker.State.OPEN);
        hogAllPermits();
        clock.advance(Duration.ofSeconds(4));

        Completion c = run("t-open");

        assertThat(c.outcome()).as("turned away at once, not after waiting 5s for a permit")
                .isInstanceOfSatisfying(TaskOutcome.RetryLater.class, r -> {
                    assertThat(r.errorClass()).isEqualTo("CircuitOpen");
                    assertThat(r.delay()).as("the rest of the breaker's wait").isEqualTo(Duration.ofSeconds(6));
                    assertThat(r.message()).contains("'work'", "open");
                });
        assertThat(c.startedAt()).isNull();
        assertThat(calls).hasValue(4);
        assertThat(registry.get("harvest.breaker.rejected").tag("handler", "work").counter().count()).isEqualTo(1);
        assertThat(registry.get("harvest.breaker.state").tag("handler", "work").tag("state", "open").gauge().value())
                .isEqualTo(1.0);
        assertThat(registry.get("harvest.breaker.transitions").tag("state", "open").counter().count()).isEqualTo(1);
    }

    @Test
    void shouldTurnAwayTasksWaitingForAPermitWhenBreakerOpensMeanwhile() {
        start(new BreakerConfig(true, 50, 100, Duration.ofSeconds(2), 4, 4, WAIT, 1), Duration.ofSeconds(5));
        failTimes(3);
        List<Lease> hogs = hog(3);
        CompletableFuture<TaskOutcome> fourth = new CompletableFuture<>();
        answers.add(fourth);
        List<CompletableFuture<Completion>> first = List.of(submit("fourth"));
        awaitCalls(4);
        List<CompletableFuture<Completion>> waiting = IntStream.range(0, 3)
                .mapToObj(i -> submit("waiting-" + i)).toList();

        fourth.complete(FAIL);

        first.forEach(c -> assertThat(c).succeedsWithin(SHORT));
        for (CompletableFuture<Completion> c : waiting) {
            assertThat(c).succeedsWithin(SHORT);
            assertThat(c.join().outcome()).isInstanceOfSatisfying(TaskOutcome.RetryLater.class,
                    r -> assertThat(r.errorClass()).isEqualTo("CircuitOpen"));
        }
        assertThat(calls).as("no call after the breaker opened").hasValue(4);
        hogs.forEach(l -> admission.release(l).toCompletableFuture().join());
        await().alias("permits back").atMost(SHORT).until(() -> admission.permitsInUse("calls") == 0);
    }

    @Test
    void shouldLetOneProbeThroughAndCloseWhenItSucceedsAfterTheWait() {
        start(new BreakerConfig(true, 50, 100, Duration.ofSeconds(2), 4, 4, WAIT, 1), SHORT);
        failTimes(4);
        clock.advance(WAIT.plusMillis(1));

        CompletableFuture<TaskOutcome> probeAnswer = new CompletableFuture<>();
        answers.add(probeAnswer);
        CompletableFuture<Completion> probe = submit("probe");
        awaitCalls(5);
        assertThat(breaker.state()).isEqualTo(HandlerBreaker.State.HALF_OPEN);
        Completion second = run("while-probing");
        probeAnswer.complete(OK);

        assertThat(second.outcome()).isInstanceOfSatisfying(TaskOutcome.RetryLater.class, r -> {
            assertThat(r.errorClass()).isEqualTo("CircuitOpen");
            assertThat(r.delay()).as("no extra wait while probes are out").isZero();
        });
        assertThat(probe).succeedsWithin(SHORT);
        assertThat(breaker.state()).isEqualTo(HandlerBreaker.State.CLOSED);
        assertThat(run("after").outcome()).isEqualTo(OK);
        assertThat(calls).hasValue(6);
    }

    @Test
    void shouldOpenAgainForTheFullWaitWhenTheProbeFails() {
        start(new BreakerConfig(true, 50, 100, Duration.ofSeconds(2), 4, 4, WAIT, 1), SHORT);
        failTimes(4);
        clock.advance(WAIT.plusMillis(1));

        answers.add(CompletableFuture.completedFuture(FAIL));
        assertThat(run("probe").outcome()).isEqualTo(FAIL);

        assertThat(breaker.state()).isEqualTo(HandlerBreaker.State.OPEN);
        assertThat(((TaskOutcome.RetryLater) run("next").outcome()).delay()).isEqualTo(WAIT);
    }

    @Test
    void shouldGiveTheProbeBackWhenItsAdmissionTimesOut() {
        start(new BreakerConfig(true, 50, 100, Duration.ofSeconds(2), 4, 4, WAIT, 1), Duration.ofMillis(50));
        failTimes(4);
        clock.advance(WAIT.plusMillis(1));
        List<Lease> hogs = hogAllPermits();

        assertThat(((TaskOutcome.RetryLater) run("probe").outcome()).errorClass()).isEqualTo("AdmissionTimeout");
        hogs.forEach(l -> admission.release(l).toCompletableFuture().join());

        assertThat(run("next-probe").outcome()).as("the probe that never called was given back").isEqualTo(OK);
        assertThat(breaker.state()).isEqualTo(HandlerBreaker.State.CLOSED);
    }

    @Test
    void shouldStayClosedWhenProviderAnswersWithRateLimitsAndPermanentFailures() {
        start(new BreakerConfig(true, 50, 100, Duration.ofSeconds(2), 4, 4, WAIT, 1), SHORT);
        for (int i = 0; i < 8; i++) {
            answers.add(CompletableFuture.completedFuture(i % 2 == 0
                    ? new TaskOutcome.RateLimited(Duration.ZERO)
                    : new TaskOutcome.DeadLetter(DeadLetterReason.PERMANENT_FAILURE, "http-400", "HTTP 400")));
            run("t" + i);
        }

        assertThat(breaker.state()).isEqualTo(HandlerBreaker.State.CLOSED);
        assertThat(calls).hasValue(8);
    }

    @Test
    void shouldOpenWhenTooManyCallsAreSlow() {
        start(new BreakerConfig(true, 50, 50, Duration.ofMillis(5), 2, 2, WAIT, 1), SHORT);
        for (int i = 0; i < 2; i++) {
            CompletableFuture<TaskOutcome> slow = new CompletableFuture<>();
            scheduler.schedule(() -> slow.complete(OK), 30, java.util.concurrent.TimeUnit.MILLISECONDS);
            answers.add(slow);
            assertThat(run("slow" + i).outcome()).isEqualTo(OK);
        }

        assertThat(breaker.state()).isEqualTo(HandlerBreaker.State.OPEN);
        assertThat(breaker.slowCallRate()).isEqualTo(100f);
    }

    @Test
    void shouldHaveNoBreakerWhenItIsTurnedOff() {
        assertThat(HandlerBreaker.create("work", new BreakerConfig(false, null, null, SHORT, null, null, null, null),
                SHORT, clock)).isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    private void start(BreakerConfig config, Duration admissionWait) {
        breaker = HandlerBreaker.create("work", config, SHORT, clock).orElseThrow();
        HandlerBinding binding = new HandlerBinding(ctx -> {
            calls.incrementAndGet();
            CompletableFuture<TaskOutcome> next = answers.poll();
            return next == null ? CompletableFuture.completedFuture(OK) : next;
        }, "pool", "calls", SHORT, breaker);
        dispatcher = new TaskDispatcher(Map.of("work", binding), admission,
                (pool, key) -> Optional.of(new KeySecret("secret-" + key)), admissionWait, clock,
                Executors.newFixedThreadPool(4), new DispatchMetrics(registry));
        dispatcher.registerLane(HIGH, 8);
    }

    private void failTimes(int n) {
        for (int i = 0; i < n; i++) {
            answers.add(CompletableFuture.completedFuture(FAIL));
            assertThat(run("fail-" + i).outcome()).isEqualTo(FAIL);
        }
    }

    private List<Lease> hogAllPermits() {
        return hog(4);
    }

    private List<Lease> hog(int permits) {
        return IntStream.range(0, permits).mapToObj(i -> admission.tryAcquire(
                new AdmissionRequest("hog-" + i, HIGH, null, "calls")).toCompletableFuture().join().orElseThrow())
                .toList();
    }

    private void awaitCalls(int n) {
        await().alias(n + " handler calls").atMost(SHORT).until(() -> calls.get() >= n);
    }

    private CompletableFuture<Completion> submit(String id) {
        CompletableFuture<Completion> result = new CompletableFuture<>();
        Task task = new Task(id, "work", "{}", null, null);
        dispatcher.submit(new Execution("entry-" + id, task, Attempt.first(clock.instant()), HIGH, true),
                result::complete);
        return result;
    }

    private Completion run(String id) {
        CompletableFuture<Completion> result = submit(id);
        assertThat(result).as("completion of %s", id).succeedsWithin(SHORT);
        return result.join();
    }
}
