package dev.harvest.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.config.PipelineConfig;
import dev.harvest.lease.ConfigSecretResolver;
import dev.harvest.lease.local.InJvmAdmissionControl;
import dev.harvest.task.Attempt;
import dev.harvest.task.Lane;
import dev.harvest.task.Task;
import dev.harvest.task.TaskOutcome;
import dev.harvest.testkit.TestPipelines;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Cancelling a submission gives its lease back at once and suppresses its completion. */
class SubmissionCancelTest {

    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
    private final PipelineConfig config = TestPipelines.twoLanes("cancel", "localhost:1",
            "  t: { kind: simulated }", 3);
    private final InJvmAdmissionControl admission = new InJvmAdmissionControl(config.keyPools(), config.permits(),
            config.lanes(), scheduler, Clock.systemUTC());

    @AfterEach
    void tearDown() {
        scheduler.shutdownNow();
    }

    @Test
    void shouldReleaseLeaseAndStayQuietWhenRunningAttemptIsCancelled() {
        CompletableFuture<TaskOutcome> never = new CompletableFuture<>();
        TaskHandler hangs = ctx -> never;
        TaskDispatcher dispatcher = new TaskDispatcher(Map.of("t", new HandlerBinding(hangs, "pool", "calls",
                Duration.ofMinutes(1))), admission, new ConfigSecretResolver(config.keyPools()), Duration.ofSeconds(5),
                Clock.systemUTC(), Executors.newFixedThreadPool(2), new DispatchMetrics(new SimpleMeterRegistry()));
        Lane lane = new Lane("high", 0);
        dispatcher.registerLane(lane, 10);
        List<Completion> seen = new CopyOnWriteArrayList<>();
        Submission s = dispatcher.submit(new Execution("e1", new Task("a", "t", null, null, null),
                Attempt.first(Instant.now()), lane, true), seen::add);
        await().alias("attempt holds a permit").atMost(Duration.ofSeconds(5))
                .until(() -> admission.permitsInUse("calls") == 1);
        s.cancel();
        await().alias("permit given back after cancel").atMost(Duration.ofSeconds(5))
                .until(() -> admission.permitsInUse("calls") == 0 && dispatcher.gate("high").running() == 0);
        assertThat(never.isCancelled()).isTrue();
        assertThat(seen).as("a cancelled attempt reports nothing").isEmpty();
        dispatcher.close();
    }
}
