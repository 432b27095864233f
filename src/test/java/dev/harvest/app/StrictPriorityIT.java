package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.app.jobs.LaneLagJob;
import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;
import dev.harvest.testkit.RedisServerExtension;
import dev.harvest.testkit.TestKafka;
import dev.harvest.testkit.TestPipelines;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code priority: strict} under a flood of both lanes at once: the low lane's app is paused while the high lane
 * is backlogged and resumed when it drains, so high-lane tasks finish first; the completion-time distribution of
 * each lane is printed.
 */
class StrictPriorityIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final int PER_LANE = 1500;

    @TempDir
    Path stateDir;

    @Test
    void shouldFinishHighLaneFirstAndPauseLowLaneWhenBothAreFlooded() throws Exception {
        PipelineConfig config = new PipelineLoader(n -> null).parse(pipelineYaml(TestPipelines.uniqueName("strict")));
        TopicAdmin.createAll(config);
        AtomicBoolean lowPausedSeen = new AtomicBoolean();
        try (HarvestApp app = HarvestApp.start(config, AppOptions.defaults(stateDir));
             TaskProducer producer = new TaskProducer(config);
             OutcomeCollector collector = new OutcomeCollector(config)) {
            await().alias("apps running, lane-lag monitor elected").atMost(Duration.ofSeconds(60))
                    .until(() -> app.health().ready() && app.isLeader(LaneLagJob.NAME));
            // Low first, so that without priority the low lane would have the head start.
            for (int i = 0; i < PER_LANE; i++) {
                producer.sendJson("low", task("l" + i));
            }
            for (int i = 0; i < PER_LANE; i++) {
                producer.sendJson("high", task("h" + i));
            }
            producer.flush();
            long start = System.nanoTime();
            Map<String, Long> endedAtMs = new HashMap<>();
            await().alias("every task of both lanes ended").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(50)).until(() -> {
                        lowPausedSeen.compareAndSet(false, app.isLanePaused("low"));
                        collector.poll(Duration.ofMillis(100));
                        long now = (System.nanoTime() - start) / 1_000_000;
                        collector.outcomes().keySet().forEach(id -> endedAtMs.putIfAbsent(id, now));
                        return collector.outcomes().size() >= 2 * PER_LANE;
                    });
            assertThat(collector.duplicates()).isZero();
            assertThat(collector.outcomes().values()).allMatch(OutcomeCollector.Outcome::completed);

            List<Long> high = times(endedAtMs, "h");
            List<Long> low = times(endedAtMs, "l");
            System.out.printf("strict priority flood (%d per lane): high p50 %d ms, p90 %d ms, last %d ms;"
                            + " low p10 %d ms, p50 %d ms, last %d ms%n", PER_LANE, pct(high, 50), pct(high, 90),
                    pct(high, 100), pct(low, 10), pct(low, 50), pct(low, 100));
            assertThat(lowPausedSeen).as("the low lane's app was paused while the high lane was backlogged").isTrue();
            assertThat(app.isLanePaused("low")).as("resumed once the high lane drained").isFalse();
            assertThat(pct(high, 90)).as("90%% of high-lane tasks end before the median low-lane task")
                    .isLessThan(pct(low, 50));
        }
    }

    private static List<Long> times(Map<String, Long> endedAt, String prefix) {
        List<Long> t = new ArrayList<>();
        endedAt.forEach((id, ms) -> {
            if (id.startsWith(prefix)) {
                t.add(ms);
            }
        });
        t.sort(null);
        assertThat(t).hasSize(PER_LANE);
        return t;
    }

    private static long pct(List<Long> sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    private static String task(String id) {
        return "{\"id\":\"" + id + "\",\"type\":\"work\"}";
    }

    private static String pipelineYaml(String name) {
        return """
                pipeline: %1$s
                kafka: { bootstrapServers: "%2$s" }
                redis: { uri: "%3$s" }
                priority: strict
                priorityLag: { pauseAbove: 100, resumeBelow: 20 }
                lanes:
                  - { name: high, topic: %1$s.tasks.high, partitions: 2, maxInFlight: 32 }
                  - { name: low,  topic: %1$s.tasks.low,  partitions: 2, maxInFlight: 32 }
                retry: { delays: [100ms], maxAttempts: 3, jitter: 0.1 }
                metricsPort: 0
                keyPools:
                  - { name: pool, maxConcurrentPerKey: 8, keys: [ { id: k1, secret: "strict-secret-1" } ] }
                permits:
                  - { name: calls, permits: 8, leaseTtl: 10s }
                handlers:
                  work: { kind: simulated, latency: 10ms, keyPool: pool, permits: calls }
                """.formatted(name, TestKafka.bootstrapServers(), REDIS.uri());
    }
}
