package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.config.PipelineConfig;
import dev.harvest.testkit.TestKafka;
import dev.harvest.testkit.TestPipelines;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durable async execution: an app that stops while tasks are in flight (their completions never arrive) is
 * replaced by a new one with the same application ids on another state directory, which restores the
 * in-flight store from its changelog and runs what was left. Every task still ends exactly once.
 */
class CrashRecoveryIT {

    private static final String SLOW = "  slow: { kind: simulated, latency: 4s }";
    private static final int TASKS = 40;

    @TempDir
    Path first;

    @TempDir
    Path second;

    @Test
    void shouldFinishEveryTaskWhenAppStopsMidFlight() throws Exception {
        PipelineConfig config = TestPipelines.twoLanes(TestPipelines.uniqueName("crash"), TestKafka.bootstrapServers(),
                SLOW, 3);
        TopicAdmin.createAll(config);
        try (TaskProducer producer = new TaskProducer(config)) {
            for (int i = 0; i < TASKS; i++) {
                producer.sendJson(i % 2 == 0 ? "high" : "low", "{\"id\":\"c" + i + "\",\"type\":\"slow\"}");
            }
            producer.flush();
        }
        // No drain: the stop hands every attempt back at once, as a crash would leave them.
        try (HarvestApp app = HarvestApp.start(config, AppOptions.defaults(first)
                .withAdmission(AppOptions.AdmissionMode.LOCAL).withDrainTimeout(Duration.ZERO))) {
            await().alias("tasks of both lanes in flight").atMost(Duration.ofSeconds(60))
                    .until(() -> app.laneGate("high").running() + app.laneGate("low").running() > 0
                            && app.laneGate("high").running() + app.laneGate("high").queued()
                            + app.laneGate("low").running() + app.laneGate("low").queued() >= TASKS);
        }
        try (OutcomeCollector early = new OutcomeCollector(config)) {
            early.poll(Duration.ofSeconds(1));
            assertThat(early.outcomes()).as("nothing finished before the stop").isEmpty();
        }
        try (HarvestApp replacement = HarvestApp.start(config, AppOptions.defaults(second)
                .withAdmission(AppOptions.AdmissionMode.LOCAL));
             OutcomeCollector collector = new OutcomeCollector(config)) {
            await().alias("every task finished by the replacement").atMost(Duration.ofSeconds(120))
                    .until(() -> {
                        collector.poll(Duration.ofMillis(200));
                        return collector.outcomes().size() >= TASKS;
                    });
            collector.poll(Duration.ofSeconds(1));
            assertThat(collector.outcomes()).hasSize(TASKS);
            assertThat(collector.outcomes().values()).allMatch(OutcomeCollector.Outcome::completed);
            assertThat(collector.duplicates()).isZero();
        }
    }
}
