package dev.harvest.execution;

import dev.harvest.testkit.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.harvest.config.Budget;
import dev.harvest.config.KeyConfig;
import dev.harvest.config.KeyPoolConfig;
import dev.harvest.config.LaneConfig;
import dev.harvest.config.PermitConfig;
import dev.harvest.lease.AdmissionRequest;
import dev.harvest.lease.IdempotencyLedger;
import dev.harvest.lease.KeySecret;
import dev.harvest.lease.Lease;
import dev.harvest.lease.SecretResolver;
import dev.harvest.lease.local.InJvmAdmissionControl;
import dev.harvest.task.Attempt;
import dev.harvest.task.DeadLetterReason;
import dev.harvest.task.Lane;
import dev.harvest.task.Task;
import dev.harvest.task.TaskOutcome;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TaskDispatcherTest {

    private static final Lane HIGH = new Lane("high", 0);
    private static final Duration SHORT = Duration.ofSeconds(3);

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final InJvmAdmissionControl admission = new InJvmAdmissionControl(
            List.of(new KeyPoolConfig("pool", 2, Duration.ofSeconds(1),
                    List.of(new KeyConfig("k1", "secret-k1", null, null)), false, null,
                    new Budget(1e6, Duration.ofMinutes(1)))),
            List.of(new PermitConfig("calls", 4, Duration.ofSeconds(30), Map.of())),
            List.of(new LaneConfig("high", "t.high", 1, 10)), scheduler, clock);
    private final AtomicLong ticks = new AtomicLong();
    private SecretResolver secrets = (pool, key) -> Optional.of(new KeySecret("secret-" + key));
    private TaskDispatcher dispatcher;

    @AfterEach
    void tearDown() {
        if (dispatcher != null) {
            dispatcher.close();
        }
        admission.close();
        scheduler.shutdownNow();
    }

    // ---------------------------------------------------------------- before the handler

    @Test
    void shouldDeadLetterUnknownTypeWithoutTakingALeaseWhenNoHandlerIsBound() {
        AtomicInteger calls = new AtomicInteger();
        dispatcher = dispatcher(Map.of("known", leased(ctx -> {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture(new TaskOutcome.Completed("{}"));
        })), Duration.ofSeconds(1));

        Completion c = run(task("t1", "mystery"));

        assertThat(c.outcome()).isInstanceOfSatisfying(TaskOutcome.DeadLetter.class, d -> {
            assertThat(d.reason()).isEqualTo(DeadLetterReason.UNKNOWN_TYPE);
            assertThat(d.errorClass()).isEqualTo("UnknownTaskType");
            assertThat(d.message()).contains("mystery");
        });
        assertThat(c.startedAt()).isNull();
        assertThat(c.keyId()).isNull();
        assertThat(calls).hasValue(0);
        assertThat(admission.permitsInUse("calls")).isZero();
        assertThat(dispatcher.knowsType("mystery")).isFalse();
        assertThat(dispatcher.knowsType("known")).isTrue();
    }

    @Test
    void shouldDeadLetterAsExpiredWithoutCallingHandlerWhenDeadlineHasPassed() {
        AtomicInteger calls = new AtomicInteger();
        dispatcher = dispatcher(Map.of("work", leased(ctx -> {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture(new TaskOutcome.Completed("{}"));
        })), Duration.ofSeconds(1));

        Completion c = run(new Task("t1", "work", null, null, clock.instant()));

        assertThat(c.outcome()).isInstanceOfSatisfying(TaskOutcome.DeadLetter.class,
                d -> assertThat(d.reason()).isEqualTo(DeadLetterReason.EXPIRED));
        assertThat(calls).hasValue(0);
        assertThat(admission.permitsInUse("calls")).isZero();
    }

    @Test
    void shouldRetryLaterWithAdmissionTimeoutWhenNoPermitFreesUp() {
        AtomicInteger calls = new AtomicInteger();
        dispatcher = dispatcher(Map.of("work", leased(ctx -> {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture(new TaskOutcome.Completed("{}"));
        })), Duration.ofMillis(50));
        for (int i = 0; i < 4; i++) {
            admission.tryAcquire(new AdmissionRequest("hog-" + i, HIGH, null, "calls")).toCompletableFuture().join()
                    .orElseThrow();
        }

        Completion c = run(task("t1", "work"));

        assertThat(c.outcome()).isInstanceOfSatisfying(TaskOutcome.RetryLater.class, r -> {
            assertThat(r.errorClass()).isEqualTo("AdmissionTimeout");
            assertThat(r.delay()).isZero();
            assertThat(r.message()).contains("calls");
        });
        assertThat(c.startedAt()).isNull();
        assertThat(calls).hasValue(0);
    }

    // ---------------------------------------------------------------- the handler's outcome

    @Test
    void shouldCompleteWithKeyAndSecretAndReleaseLeaseWhenHandlerSucceeds() {
        AtomicReference<TaskContext> seen = new AtomicReference<>();
        dispatcher = dispatcher(Map.of("work", leased(ctx -> {
            seen.set(ctx);
            assertThat(admission.permitsInUse("calls")).isEqualTo(1);
            assertThat(admission.keyInUse("pool", "k1")).isEqualTo(1);
            return CompletableFuture.completedFuture(new TaskOutcome.Completed("{\"ok\":true}"));
        })), Duration.ofSeconds(1));

        Completion c = run(task("t1", "work"));

        assertThat(c.outcome()).isEqualTo(new TaskOutcome.Completed("{\"ok\":true}"));
        assertThat(c.keyId()).isEqualTo("k1");
        assertThat(c.startedAt()).isEqualTo(clock.instant());
        assertThat(c.completedAt()).isEqualTo(clock.instant());
        assertThat(c.leaseLost()).isFalse();
        assertThat(c.execution().entryId()).isEqualTo("entry-t1");
        assertThat(seen.get().keyId()).isEqualTo("k1");
        assertThat(seen.get().secret().reveal()).isEqualTo("secret-k1");
        assertThat(seen.get().attempt().number()).isEqualTo(1);
        assertThat(seen.get().lane()).isEqualTo(HIGH);
        assertLeasesReleased();
    }

    @Test
    void shouldSettleReservedCostWhenHandlerReportsActualCost() {
        dispatcher = dispatcher(Map.of("chat", leased(ctx -> CompletableFuture.completedFuture(
                new TaskOutcome.Completed("{}", ctx.task().id().equals("reported") ? 12.5 : null)))), SHORT);

        run(new Task("reported", "chat", null, null, null, 400.0));
        run(new Task("unreported", "chat", null, null, null, 40.0));
        run(task("plain", "chat"));

        assertThat(admission.charged("pool", "k1")).isEqualTo(12.5 + 40 + 1);
        assertLeasesReleased();
    }

    @Test
    void shouldRunWithoutLeaseWhenHandlerNeedsNeitherKeyNorPermit() {
        AtomicReference<TaskContext> seen = new AtomicReference<>();
        dispatcher = dispatcher(Map.of("free", new HandlerBinding(ctx -> {
            seen.set(ctx);
            return CompletableFuture.completedFuture(new TaskOutcome.Completed("1"));
        }, null, null, SHORT)), Duration.ofSeconds(1));

        Completion c = run(task("t1", "free"));

        assertThat(c.outcome()).isEqualTo(new TaskOutcome.Completed("1"));
        assertThat(c.keyId()).isNull();
        assertThat(seen.get().secret()).isNull();
    }

    @Test
    void shouldCoolKeyDownAndReleaseLeaseWhenHandlerIsRateLimited() {
        dispatcher = dispatcher(Map.of("work", leased(ctx ->
                CompletableFuture.completedFuture(new TaskOutcome.RateLimited(Duration.ofSeconds(5))))), Duration.ofSeconds(1));

        Completion c = run(task("t1", "work"));

        assertThat(c.outcome()).isEqualTo(new TaskOutcome.RateLimited(Duration.ofSeconds(5)));
        assertLeasesReleased();
        AdmissionRequest probe = new AdmissionRequest("probe", HIGH, "pool", null);
        assertThat(admission.tryAcquire(probe).toCompletableFuture().join()).as("key cooling down").isEmpty();
        clock.advance(Duration.ofSeconds(5));
        assertThat(admission.tryAcquire(probe).toCompletableFuture().join()).as("cooldown over").isPresent();
    }

    @Test
    void shouldDeadLetterAndReleaseLeaseWhenHandlerThrowsSynchronously() {
        dispatcher = dispatcher(Map.of("work", leased(ctx -> {
            throw new IllegalStateException("handler bug");
        })), Duration.ofSeconds(1));

        Completion c = run(task("t1", "work"));

        assertThat(c.outcome()).isEqualTo(new TaskOutcome.DeadLetter(DeadLetterReason.PERMANENT_FAILURE,
                "java.lang.IllegalStateException", "handler bug"));
        assertLeasesReleased();
    }

    @Test
    void shouldRetryWhenHandlerThrowsAnIoErrorSynchronously() {
        dispatcher = dispatcher(Map.of("work", leased(ctx -> {
            throw new UncheckedIOException(new IOException("socket closed"));
        })), Duration.ofSeconds(1));

        Completion c = run(task("t1", "work"));

        assertThat(c.outcome()).isEqualTo(new TaskOutcome.RetryLater(Duration.ZERO, "java.io.IOException", "socket closed"));
        assertLeasesReleased();
    }

    @Test
    void shouldRetryWhenStageFailsTransiently() {
        dispatcher = dispatcher(Map.of("work", leased(ctx ->
                CompletableFuture.failedFuture(new ConnectException("refused")))), Duration.ofSeconds(1));

        Completion c = run(task("t1", "work"));

        assertThat(c.outcome()).isEqualTo(new TaskOutcome.RetryLater(Duration.ZERO, "java.net.ConnectException", "refused"));
        assertLeasesReleased();
    }

    @Test
    void shouldDeadLetterWhenStageFailsPermanently() {
        dispatcher = dispatcher(Map.of("work", leased(ctx -> CompletableFuture.supplyAsync(() -> {
            throw new IllegalArgumentException("bad payload");
        }))), Duration.ofSeconds(1));

        Completion c = run(task("t1", "work"));

        assertThat(c.outcome()).isEqualTo(new TaskOutcome.DeadLetter(DeadLetterReason.PERMANENT_FAILURE,
                "java.lang.IllegalArgumentException", "bad payload"));
        assertLeasesReleased();
    }

    @Test
    void shouldRetryAndReleaseLeaseWhenHandlerOutlivesItsTimeout() {
        dispatcher = dispatcher(Map.of("work", new HandlerBinding(ctx -> new CompletableFuture<>(), "pool", "calls",
                Duration.ofMillis(100))), Duration.ofSeconds(1));

        Completion c = run(task("t1", "work"));

        assertThat(c.outcome()).isInstanceOfSatisfying(TaskOutcome.RetryLater.class,
                r -> assertThat(r.errorClass()).isEqualTo("java.util.concurrent.TimeoutException"));
        assertLeasesReleased();
    }

    @Test
    void shouldRetryAndReleaseLeaseWhenKeyHasNoSecret() {
        secrets = (pool, key) -> Optional.empty();
        AtomicInteger calls = new AtomicInteger();
        dispatcher = dispatcher(Map.of("work", leased(ctx -> {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture(new TaskOutcome.Completed("{}"));
        })), Duration.ofSeconds(1));

        Completion c = run(task("t1", "work"));

        assertThat(c.outcome()).isInstanceOfSatisfying(TaskOutcome.RetryLater.class, r -> {
            assertThat(r.errorClass()).isEqualTo("MissingSecret");
            assertThat(r.message()).contains("k1").doesNotContain("secret-k1");
        });
        assertThat(calls).hasValue(0);
        assertLeasesReleased();
    }
    @Test
    void shouldCompleteAndReleaseLeaseWhenSecretLookupThrows() {
        secrets = (pool, key) -> {
            throw new UncheckedIOException("cannot read secret file for a key", new IOException("gone"));
        };
        dispatcher = dispatcher(Map.of("work", leased(ctx ->
                CompletableFuture.completedFuture(new TaskOutcome.Completed("{}")))), Duration.ofSeconds(1));

        Completion c = run(task("t1", "work"));

        assertThat(c.outcome()).isInstanceOf(TaskOutcome.RetryLater.class);
        assertLeasesReleased();
    }

    // ---------------------------------------------------------------- the lane cap

    @Test
    void shouldRunAtMostMaxInFlightAtOnceAndCompleteAllWhenHandlerHoldsCompletions() {
        Queue<CompletableFuture<TaskOutcome>> held = new ConcurrentLinkedQueue<>();
        AtomicInteger runningNow = new AtomicInteger();
        AtomicInteger runningMax = new AtomicInteger();
        dispatcher = dispatcher(Map.of("work", new HandlerBinding(ctx -> {
            runningMax.accumulateAndGet(runningNow.incrementAndGet(), Math::max);
            CompletableFuture<TaskOutcome> f = new CompletableFuture<>();
            held.add(f);
            return f;
        }, null, null, Duration.ofSeconds(30))), Duration.ofSeconds(1));
        LaneGate gate = dispatcher.registerLane(HIGH, 3);
        Queue<Completion> done = new ConcurrentLinkedQueue<>();
        AtomicInteger callbacks = new AtomicInteger();

        for (int i = 0; i < 10; i++) {
            dispatcher.submit(execution(task("t" + i, "work")), c -> {
                callbacks.incrementAndGet();
                done.add(c);
            });
        }

        await().alias("three attempts started").atMost(SHORT).until(() -> held.size() == 3);
        assertThat(runningNow).hasValue(3);
        assertThat(gate.running()).isEqualTo(3);
        assertThat(gate.queued()).isEqualTo(7);
        assertThat(done).isEmpty();

        await().alias("every attempt completed once released").atMost(SHORT).until(() -> {
            for (CompletableFuture<TaskOutcome> f = held.poll(); f != null; f = held.poll()) {
                runningNow.decrementAndGet();
                f.complete(new TaskOutcome.Completed("{}"));
            }
            return done.size() == 10;
        });
        assertThat(runningMax.get()).isEqualTo(3);
        assertThat(gate.maxSeen()).isEqualTo(3);
        assertThat(callbacks).hasValue(10);
        assertThat(done).extracting(c -> c.execution().task().id()).doesNotHaveDuplicates().hasSize(10);
        await().alias("gate empty").atMost(SHORT).until(() -> gate.running() == 0);
    }

    @Test
    void shouldRefuseWhenLaneIsNotRegistered() {
        dispatcher = dispatcher(Map.of(), Duration.ofSeconds(1));

        assertThatThrownBy(() -> dispatcher.submit(execution(task("t", "work")), c -> { }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("high");
    }

    // ---------------------------------------------------------------- graceful stop

    @Test
    void shouldFinishStartedAttemptsAndStartNoOtherWhenDraining() {
        CompletableFuture<TaskOutcome> slow = new CompletableFuture<>();
        AtomicInteger calls = new AtomicInteger();
        dispatcher = dispatcher(Map.of("work", leased(ctx -> {
            calls.incrementAndGet();
            return slow;
        })), Duration.ofSeconds(5));
        dispatcher.registerLane(HIGH, 1);
        CompletableFuture<Completion> first = new CompletableFuture<>();
        Submission running = dispatcher.submit(execution(task("t1", "work")), first::complete);
        await().alias("first attempt calls its handler").atMost(SHORT).until(() -> calls.get() == 1);
        AtomicInteger queuedCallbacks = new AtomicInteger();
        Submission queued = dispatcher.submit(execution(task("t2", "work")), c -> queuedCallbacks.incrementAndGet());

        dispatcher.drain().begin();
        slow.complete(new TaskOutcome.Completed("{}"));

        assertThat(first).as("the started attempt finishes").succeedsWithin(SHORT);
        assertThat(running.isStarted()).isTrue();
        await().alias("queued attempt handed back").atMost(SHORT).until(queued::isCancelled);
        assertThat(queued.isStarted()).isFalse();
        assertThat(calls).as("no handler call after the drain began").hasValue(1);
        assertThat(queuedCallbacks).as("a handed-back attempt has no completion").hasValue(0);
        assertLeasesReleased();
    }

    // ---------------------------------------------------------------- the ledger

    @Test
    void shouldPublishAResultWithoutWaitingForTheLedgerWriteWhenTheLedgerIsSlow() {
        CompletableFuture<Void> write = new CompletableFuture<>();
        IdempotencyLedger ledger = ledger(taskId -> CompletableFuture.completedFuture(Optional.empty()),
                (taskId, json) -> write);
        dispatcher = new TaskDispatcher(Map.of("work", leased(ctx ->
                CompletableFuture.completedFuture(new TaskOutcome.Completed("{\"n\":1}")))), admission,
                (pool, key) -> secrets.secretOf(pool, key), SHORT, clock, Executors.newFixedThreadPool(4),
                new DispatchMetrics(new SimpleMeterRegistry()), ledger);

        Completion c = run(task("t1", "work"));

        assertThat(c.outcome()).isEqualTo(new TaskOutcome.Completed("{\"n\":1}"));
        assertThat(write).as("the write is still pending").isNotDone();
        assertLeasesReleased();
    }

    @Test
    void shouldKeepACompletedTasksLeaseUntilItIsRecordedWhileAsManyReleasedTasksAreUnrecordedAsLeasesHeld() {
        Map<String, CompletableFuture<Void>> writes = new ConcurrentHashMap<>();
        IdempotencyLedger ledger = ledger(taskId -> CompletableFuture.completedFuture(Optional.empty()),
                (taskId, json) -> writes.computeIfAbsent(taskId, id -> new CompletableFuture<>()));
        AtomicInteger calls = new AtomicInteger();
        dispatcher = new TaskDispatcher(Map.of("work", leased(ctx -> {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture(new TaskOutcome.Completed("{}"));
        })), admission, (pool, key) -> secrets.secretOf(pool, key), Duration.ofMillis(200), clock,
                Executors.newFixedThreadPool(4), new DispatchMetrics(new SimpleMeterRegistry()), ledger);

        run(task("t1", "work"));
        assertThat(admission.permitsInUse("calls")).as("t1 released unrecorded: one lease was held").isZero();
        run(task("t2", "work"));
        assertThat(admission.permitsInUse("calls")).as("t2 waits for its write: one is released unrecorded").isOne();
        run(task("t3", "work"));
        assertThat(admission.permitsInUse("calls")).as("t3 released: two leases were held").isOne();
        run(task("t4", "work"));
        assertThat(admission.permitsInUse("calls")).as("t2 and t4 wait for their writes").isEqualTo(2);

        Completion fifth = run(task("t5", "work"));
        assertThat(fifth.outcome()).as("the key's two slots are held by tasks awaiting their writes")
                .isInstanceOfSatisfying(TaskOutcome.RetryLater.class,
                        r -> assertThat(r.errorClass()).isEqualTo("AdmissionTimeout"));
        assertThat(calls).hasValue(4);

        writes.get("t2").complete(null);
        await().alias("t2's lease goes back once it is recorded").atMost(SHORT)
                .until(() -> admission.permitsInUse("calls") == 1);
        assertThat(run(task("t6", "work")).outcome()).isEqualTo(new TaskOutcome.Completed("{}"));
        assertThat(calls).hasValue(5);

        writes.values().forEach(w -> w.complete(null));
        assertLeasesReleased();
    }

    @Test
    void shouldReleaseTheLeaseWhenTheLedgerWriteFails() {
        IdempotencyLedger ledger = ledger(taskId -> CompletableFuture.completedFuture(Optional.empty()),
                (taskId, json) -> {
                    throw new IllegalStateException("ledger down");
                });
        dispatcher = new TaskDispatcher(Map.of("work", leased(ctx ->
                CompletableFuture.completedFuture(new TaskOutcome.Completed("{}")))), admission,
                (pool, key) -> secrets.secretOf(pool, key), SHORT, clock, Executors.newFixedThreadPool(4),
                new DispatchMetrics(new SimpleMeterRegistry()), ledger);

        for (String id : List.of("t1", "t2", "t3")) {
            assertThat(run(task(id, "work")).outcome()).isEqualTo(new TaskOutcome.Completed("{}"));
        }
        assertLeasesReleased();
    }

    @Test
    void shouldPublishTheRecordedResultAndGiveThePermitBackWhenTheLedgerKnowsTheTask() {
        AtomicInteger calls = new AtomicInteger();
        IdempotencyLedger ledger = ledger(taskId -> CompletableFuture.completedFuture(Optional.of("{\"kept\":true}")),
                (taskId, json) -> CompletableFuture.completedFuture(null));
        dispatcher = new TaskDispatcher(Map.of("work", leased(ctx -> {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture(new TaskOutcome.Completed("{}"));
        })), admission, (pool, key) -> secrets.secretOf(pool, key), SHORT, clock, Executors.newFixedThreadPool(4),
                new DispatchMetrics(new SimpleMeterRegistry()), ledger);

        Completion c = run(task("t1", "work"));

        assertThat(c.outcome()).isEqualTo(new TaskOutcome.Completed("{\"kept\":true}"));
        assertThat(calls).hasValue(0);
        assertLeasesReleased();
    }

    @Test
    void shouldLookAWaitingTaskUpBeforeItsPermitArrivesAndNotAgainOnceItIsHeld() {
        CountingLedger ledger = new CountingLedger();
        AtomicInteger calls = new AtomicInteger();
        List<Lease> hogs = new ArrayList<>();

        CompletableFuture<Completion> result = waitingForAPermit(ledger, calls, hogs);

        admission.release(hogs.get(0)).toCompletableFuture().join();
        assertThat(result).succeedsWithin(SHORT).extracting(Completion::outcome)
                .isEqualTo(new TaskOutcome.Completed("{}"));
        assertThat(calls).hasValue(1);
        assertThat(ledger.lookups("t1")).as("the answer asked for ahead served: no lookup with the permit held")
                .isEqualTo(1);
    }

    @Test
    void shouldAskTheLedgerAgainWhenTheAnswerFromBeforeTheWaitIsTooOldAndPublishWhatWasRecordedMeanwhile() {
        CountingLedger ledger = new CountingLedger();
        AtomicInteger calls = new AtomicInteger();
        List<Lease> hogs = new ArrayList<>();
        CompletableFuture<Completion> result = waitingForAPermit(ledger, calls, hogs);

        // Another instance, which ran t1 before a rebalance, records it while t1 waits here.
        ledger.recorded.put("t1", "{\"elsewhere\":true}");
        ticks.addAndGet(LedgerLookahead.FRESHNESS.toNanos() + 1);
        admission.release(hogs.get(0)).toCompletableFuture().join();

        assertThat(result).succeedsWithin(SHORT).extracting(Completion::outcome)
                .isEqualTo(new TaskOutcome.Completed("{\"elsewhere\":true}"));
        assertThat(ledger.lookups("t1")).as("asked again with the permit held").isEqualTo(2);
        assertThat(calls).as("the provider is not called for a task recorded meanwhile").hasValue(0);
    }

    /**
     * Task t1 submitted to a dispatcher on {@code ledger} (and the test's ticker) whose "work" handler counts its
     * calls, while every permit is held outside it ({@code hogs}); returns once t1 was looked up and still waits.
     */
    private CompletableFuture<Completion> waitingForAPermit(CountingLedger ledger, AtomicInteger calls,
                                                            List<Lease> hogs) {
        dispatcher = new TaskDispatcher(Map.of("work", leased(ctx -> {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture(new TaskOutcome.Completed("{}"));
        })), admission, (pool, key) -> secrets.secretOf(pool, key), SHORT, clock, Executors.newFixedThreadPool(4),
                new DispatchMetrics(new SimpleMeterRegistry()), ledger, ticks::get);
        hogs.addAll(takeAllPermits());
        CompletableFuture<Completion> result = submit(task("t1", "work"));
        await().alias("t1 looked up while it waits for a permit").atMost(SHORT).until(() -> ledger.lookups("t1") > 0);
        assertThat(result).as("t1 still waits: all permits are taken").isNotDone();
        return result;
    }

    /** A ledger that answers lookups with {@code recorded} and writes with {@code record}. */
    private static IdempotencyLedger ledger(Function<String, CompletableFuture<Optional<String>>> recorded,
                                            BiFunction<String, String, CompletableFuture<Void>> record) {
        return new IdempotencyLedger() {
            @Override
            public CompletableFuture<Optional<String>> recorded(String taskId) {
                return recorded.apply(taskId);
            }

            @Override
            public CompletableFuture<Void> record(String taskId, String resultJson) {
                return record.apply(taskId, resultJson);
            }
        };
    }

    /** A ledger that counts lookups per task and answers from {@link #recorded}. */
    private static final class CountingLedger implements IdempotencyLedger {
        final Map<String, String> recorded = new ConcurrentHashMap<>();
        private final Map<String, AtomicInteger> lookups = new ConcurrentHashMap<>();

        @Override
        public CompletableFuture<Optional<String>> recorded(String taskId) {
            lookups.computeIfAbsent(taskId, id -> new AtomicInteger()).incrementAndGet();
            return CompletableFuture.completedFuture(Optional.ofNullable(recorded.get(taskId)));
        }

        @Override
        public CompletableFuture<Void> record(String taskId, String resultJson) {
            return CompletableFuture.completedFuture(null);
        }

        int lookups(String taskId) {
            AtomicInteger n = lookups.get(taskId);
            return n == null ? 0 : n.get();
        }
    }

    /** Takes the four permits of "calls" outside the dispatcher. */
    private List<Lease> takeAllPermits() {
        List<Lease> hogs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            hogs.add(admission.tryAcquire(new AdmissionRequest("hog-" + i, HIGH, null, "calls")).toCompletableFuture()
                    .join().orElseThrow());
        }
        return hogs;
    }

    private CompletableFuture<Completion> submit(Task task) {
        dispatcher.registerLane(HIGH, 8);
        CompletableFuture<Completion> result = new CompletableFuture<>();
        dispatcher.submit(execution(task), result::complete);
        return result;
    }

    // ---------------------------------------------------------------- helpers

    private TaskDispatcher dispatcher(Map<String, HandlerBinding> bindings, Duration admissionWait) {
        return new TaskDispatcher(bindings, admission, (pool, key) -> secrets.secretOf(pool, key), admissionWait, clock,
                Executors.newFixedThreadPool(4), new DispatchMetrics(new SimpleMeterRegistry()));
    }

    private static HandlerBinding leased(Function<TaskContext, java.util.concurrent.CompletionStage<TaskOutcome>> fn) {
        return new HandlerBinding(fn::apply, "pool", "calls", SHORT);
    }

    private Completion run(Task task) {
        dispatcher.registerLane(HIGH, 8);
        CompletableFuture<Completion> result = new CompletableFuture<>();
        AtomicInteger callbacks = new AtomicInteger();
        dispatcher.submit(execution(task), c -> {
            callbacks.incrementAndGet();
            result.complete(c);
        });
        assertThat(result).as("completion of %s", task.id()).succeedsWithin(SHORT);
        assertThat(callbacks).hasValue(1);
        return result.join();
    }

    private Execution execution(Task task) {
        return new Execution("entry-" + task.id(), task, Attempt.first(clock.instant()), HIGH, true);
    }

    private static Task task(String id, String type) {
        return new Task(id, type, "{\"n\":1}", null, null);
    }

    private void assertLeasesReleased() {
        await().alias("lease released").atMost(SHORT).untilAsserted(() -> {
            assertThat(admission.permitsInUse("calls")).isZero();
            assertThat(admission.keyInUse("pool", "k1")).isZero();
        });
    }
}
