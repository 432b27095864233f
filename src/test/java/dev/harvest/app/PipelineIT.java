package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.config.PipelineConfig;
import dev.harvest.testkit.TestKafka;
import dev.harvest.testkit.TestPipelines;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole pipeline on a real broker: every task ends exactly once, in results or the DLQ, for the right reason. */
class PipelineIT {

    @TempDir
    Path stateDir;

    @Test
    void shouldAccountForEveryTaskWhenOutcomesAreMixed() throws Exception {
        PipelineConfig config = TestPipelines.twoLanes(TestPipelines.uniqueName("mix"), TestKafka.bootstrapServers(),
                TestPipelines.SIMULATE_HANDLER, 3);
        TopicAdmin.createAll(config);
        Map<String, String> expected = new HashMap<>();
        try (HarvestApp app = HarvestApp.start(config, options());
             TaskProducer producer = new TaskProducer(config);
             OutcomeCollector collector = new OutcomeCollector(config)) {
            for (int i = 0; i < 400; i++) {
                String id = "t" + i;
                String lane = i % 3 == 0 ? "high" : "low";
                if (i % 50 == 0) {
                    producer.sendRaw(lane, id, "{\"id\":".getBytes(StandardCharsets.UTF_8));
                    expected.put(id, "malformed");
                } else if (i % 40 == 1) {
                    producer.sendJson(lane, task(id, "{\"poison\":true}"));
                    expected.put(id, "permanent-failure");
                } else if (i % 40 == 2) {
                    producer.sendJson(lane, task(id, "{\"failTimes\":9}"));
                    expected.put(id, "max-attempts");
                } else if (i % 10 == 3) {
                    producer.sendJson(lane, task(id, "{\"failTimes\":1}"));
                    expected.put(id, "completed-after-retry");
                } else {
                    producer.sendJson(lane, task(id, "{\"n\":" + i + "}"));
                    expected.put(id, "completed");
                }
            }
            producer.flush();
            await().alias("every task has an outcome").atMost(Duration.ofSeconds(90))
                    .until(() -> {
                        collector.poll(Duration.ofMillis(200));
                        return collector.outcomes().size() >= expected.size();
                    });
            collector.poll(Duration.ofSeconds(1));
            assertThat(collector.outcomes()).hasSameSizeAs(expected);
            assertThat(collector.duplicates()).as("no task ends twice").isZero();
            expected.forEach((id, want) -> assertOutcome(collector.outcomes().get(id), want));
            assertThat(app.laneGate("high").maxSeen()).isBetween(1, config.lanes().get(0).maxInFlight());
            assertThat(app.laneGate("low").maxSeen()).isBetween(1, config.lanes().get(1).maxInFlight());
        }
    }

    private static void assertOutcome(OutcomeCollector.Outcome o, String want) {
        assertThat(o).as("outcome of a task expected to be " + want).isNotNull();
        switch (want) {
            case "completed" -> assertThat(o.completed()).as(o.key()).isTrue();
            case "completed-after-retry" -> {
                assertThat(o.completed()).as(o.key()).isTrue();
                assertThat(o.attempts()).as(o.key()).isGreaterThanOrEqualTo(2);
            }
            case "max-attempts" -> {
                assertThat(o.reason()).as(o.key()).isEqualTo("max-attempts");
                assertThat(o.attempts()).as(o.key()).isEqualTo(3);
            }
            default -> assertThat(o.reason()).as(o.key()).isEqualTo(want);
        }
    }

    private AppOptions options() {
        return AppOptions.defaults(stateDir).withAdmission(AppOptions.AdmissionMode.LOCAL);
    }

    private static String task(String id, String payload) {
        return "{\"id\":\"" + id + "\",\"type\":\"simulate\",\"payload\":" + payload + "}";
    }
}
