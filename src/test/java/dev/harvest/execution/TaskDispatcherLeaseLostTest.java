package dev.harvest.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.config.KeyConfig;
import dev.harvest.config.KeyPoolConfig;
import dev.harvest.config.LaneConfig;
import dev.harvest.config.PermitConfig;
import dev.harvest.lease.AdmissionControl;
import dev.harvest.lease.AdmissionRequest;
import dev.harvest.lease.IdempotencyLedger;
import dev.harvest.lease.KeySecret;
import dev.harvest.lease.Lease;
import dev.harvest.lease.local.InJvmAdmissionControl;
import dev.harvest.task.Attempt;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A lease that is no longer held when the call is about to go out (a process stopped past its TTL). */
class TaskDispatcherLeaseLostTest {

    private static final Lane HIGH = new Lane("high", 0);
    private static final Duration SHORT = Duration.ofSeconds(3);

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final InJvmAdmissionControl admission = new InJvmAdmissionControl(
            List.of(new KeyPoolConfig("pool", 2, Duration.ofSeconds(1),
                    List.of(new KeyConfig("k1", "secret-k1", null, null)), false)),
            List.of(new PermitConfig("calls", 4, Duration.ofSeconds(30), Map.of())),
            List.of(new LaneConfig("high", "t.high", 1, 10)), scheduler, clock);
    private final AtomicReference<Lease> held = new AtomicReference<>();
    private final CompletableFuture<Optional<String>> lookup = new CompletableFuture<>();
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
    void shouldNotCallHandlerAndRetryWhenLeaseIsLostBeforeTheCallStarts() {
        AtomicInteger calls = new AtomicInteger();
        dispatcher = new TaskDispatcher(Map.of("work", new HandlerBinding(ctx -> {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture(new TaskOutcome.Completed("{}"));
        }, "pool", "calls", SHORT)), new LosingAdmission(), (pool, key) -> Optional.of(new KeySecret("s-" + key)),
                SHORT, clock, Executors.newFixedThreadPool(2), new DispatchMetrics(new SimpleMeterRegistry()),
                new PendingLedger());
        dispatcher.registerLane(HIGH, 1);
        CompletableFuture<Completion> result = new CompletableFuture<>();
        Task task = new Task("t1", "work", "{\"n\":1}", null, null);
        dispatcher.submit(new Execution("entry-t1", task, Attempt.first(clock.instant()), HIGH, true),
                result::complete);
        await().alias("lease granted").atMost(SHORT).until(() -> held.get() != null);

        held.set(null); // the holder was paused past its lease while it looked the task up in the ledger
        lookup.complete(Optional.empty());

        assertThat(result).succeedsWithin(SHORT);
        assertThat(result.join().outcome()).isInstanceOfSatisfying(TaskOutcome.RetryLater.class,
                r -> assertThat(r.errorClass()).isEqualTo("LeaseLost"));
        assertThat(result.join().leaseLost()).isTrue();
        assertThat(calls).as("no call made under a lost lease").hasValue(0);
        await().alias("lease given back").atMost(SHORT)
                .untilAsserted(() -> assertThat(admission.permitsInUse("calls")).isZero());
    }

    /** The ledger lookup answers when the test says so. */
    private final class PendingLedger implements IdempotencyLedger {
        @Override
        public CompletionStage<Optional<String>> recorded(String taskId) {
            return lookup;
        }

        @Override
        public CompletionStage<Void> record(String taskId, String resultJson) {
            return CompletableFuture.completedFuture(null);
        }
    }

    /** Grants through the in-JVM admission; a lease is held only while {@link #held} names it. */
    private final class LosingAdmission implements AdmissionControl {
        @Override
        public CompletionStage<Optional<Lease>> tryAcquire(AdmissionRequest request) {
            return admission.tryAcquire(request);
        }

        @Override
        public CompletionStage<Lease> acquire(AdmissionRequest request, Duration maxWait) {
            return admission.acquire(request, maxWait).thenApply(lease -> {
                held.set(lease);
                return lease;
            });
        }

        @Override
        public CompletionStage<Void> release(Lease lease, Double actualCost) {
            return admission.release(lease, actualCost);
        }

        @Override
        public CompletionStage<Void> cooldown(Lease lease, Duration retryAfter) {
            return admission.cooldown(lease, retryAfter);
        }

        @Override
        public boolean isHeld(Lease lease) {
            return lease.equals(held.get());
        }

        @Override
        public void close() {
        }
    }
}
