package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.config.PipelineConfig;
import dev.harvest.metrics.MetricNames;
import dev.harvest.testkit.TestKafka;
import dev.harvest.testkit.TestPipelines;
import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dedupe window holds across a restart onto an empty state directory (a new pod, a lost volume): the keys a lane
 * saw come back from its dedupe store's changelog, so a task sent again with a key seen before the restart is
 * dropped, and one with a new key is run.
 */
class DedupeRestartIT {

    @TempDir
    Path firstStateDir;
    @TempDir
    Path secondStateDir;

    @Test
    void shouldDropATaskWhoseKeyWasSeenBeforeARestartOnAnEmptyStateDirectory() throws Exception {
        PipelineConfig config = TestPipelines.twoLanes(TestPipelines.uniqueName("dedupe-restart"),
                TestKafka.bootstrapServers(), TestPipelines.SIMULATE_HANDLER, 3, 64, "10m");
        TopicAdmin.createAll(config);
        try (TaskProducer producer = new TaskProducer(config);
             OutcomeCollector collector = new OutcomeCollector(config)) {
            // Record keys (outcomes are keyed by them) all on one partition: one dedupe store, records taken in the
            // order sent.
            String d1 = onFirstPartition("d1");
            String o1 = onFirstPartition("o1");
            String d2 = onFirstPartition("d2");
            String o2 = onFirstPartition("o2");
            try (HarvestApp app = start(config, firstStateDir)) {
                send(producer, d1, "same");
                send(producer, o1, "other-1");
                awaitOutcomes(collector, d1, o1);
            }
            try (HarvestApp app = start(config, secondStateDir)) {
                send(producer, d2, "same");
                send(producer, o2, "other-2");
                awaitOutcomes(collector, o2);
                assertThat(collector.outcomes()).as("the task sent again with a key seen before the restart")
                        .doesNotContainKey(d2);
                double dropped = app.registry().find(MetricNames.DUPLICATES).counters().stream()
                        .mapToDouble(Counter::count).sum();
                assertThat(dropped).as("duplicates dropped after the restart").isEqualTo(1);
            }
        }
    }

    private static HarvestApp start(PipelineConfig config, Path stateDir) {
        return HarvestApp.start(config, AppOptions.defaults(stateDir).withAdmission(AppOptions.AdmissionMode.LOCAL));
    }

    /** {@code prefix-n}, the first such key that Kafka's default partitioner puts on partition 0 of the lane's 2. */
    private static String onFirstPartition(String prefix) {
        for (int n = 0; ; n++) {
            String key = prefix + "-" + n;
            if (Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % 2 == 0) {
                return key;
            }
        }
    }

    /** A task whose id is its record key. */
    private static void send(TaskProducer producer, String id, String idempotencyKey) {
        producer.sendRaw("high", id, ("{\"id\":\"" + id + "\",\"type\":\"simulate\",\"idempotencyKey\":\""
                + idempotencyKey + "\"}").getBytes(StandardCharsets.UTF_8));
        producer.flush();
    }

    private static void awaitOutcomes(OutcomeCollector collector, String... ids) {
        await().alias("outcomes of " + String.join(", ", ids)).atMost(Duration.ofSeconds(60)).until(() -> {
            collector.poll(Duration.ofMillis(200));
            return collector.outcomes().keySet().containsAll(List.of(ids));
        });
    }
}
