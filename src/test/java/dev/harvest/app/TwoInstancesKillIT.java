package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;
import dev.harvest.devstack.MockProvider;
import dev.harvest.lease.KeyStatus;
import dev.harvest.lease.redis.RedisKeyPool;
import dev.harvest.lease.redis.RedisPermitSemaphore;
import dev.harvest.redis.RedisClients;
import dev.harvest.testkit.AppProcess;
import dev.harvest.testkit.RedisServerExtension;
import dev.harvest.testkit.TestKafka;
import dev.harvest.testkit.TestPipelines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances as separate JVMs sharing a broker, Redis and a provider; one is killed with {@code kill -9} in
 * the middle of 5,000 tasks. Every task still ends exactly once, limits hold at the provider, leases come back.
 */
class TwoInstancesKillIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final int TASKS = 5000;
    private static final int PERMITS = 16;
    private static final int PER_KEY = 6;

    @TempDir
    Path dir;

    @Test
    void shouldEndEveryTaskOnceWithinLimitsWhenAnInstanceIsKilled() throws Exception {
        try (MockProvider provider = MockProvider.builder().rpsPerKey(2000).medianLatency(Duration.ofMillis(10))
                .errorRate(0.05).key("k1", "kill-secret-1").key("k2", "kill-secret-2").start()) {
            String name = TestPipelines.uniqueName("kill");
            Path file = dir.resolve("pipeline.yaml");
            Files.writeString(file, pipelineYaml(name, provider.url()));
            PipelineConfig config = new PipelineLoader(n -> null).load(file);
            TopicAdmin.createAll(config);
            try (AppProcess a = AppProcess.start(file, dir.resolve("a"), "a", Map.of());
                 AppProcess b = AppProcess.start(file, dir.resolve("b"), "b", Map.of());
                 TaskProducer producer = new TaskProducer(config);
                 OutcomeCollector collector = new OutcomeCollector(config)) {
                // Both in the group before any task: a start-up rebalance would cancel calls of its own.
                await().alias("both instances ready").atMost(Duration.ofSeconds(90))
                        .until(() -> a.isReady() && b.isReady());
                for (int i = 0; i < TASKS; i++) {
                    String payload = i % 100 == 7 ? "{\"poison\":true}" : "{\"n\":" + i + "}";
                    producer.sendJson(i % 2 == 0 ? "high" : "low",
                            "{\"id\":\"k" + i + "\",\"type\":\"fetch\",\"payload\":" + payload + "}");
                }
                producer.flush();
                await().alias("a third of the tasks ended").atMost(Duration.ofSeconds(90))
                        .until(() -> poll(collector) >= TASKS / 3);
                Set<String> endedBeforeKill = new HashSet<>(collector.outcomes().keySet());
                // Calls made so far, to tell a call made again after the kill.
                Map<String, Long> completedAtKill = new HashMap<>(provider.completionsByTaskId());
                a.kill();
                long killedAt = System.nanoTime();
                try {
                    await().alias("every task ended after the kill").atMost(Duration.ofSeconds(120))
                            .until(() -> poll(collector) >= TASKS);
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    String log = b.output();
                    throw new AssertionError("only " + collector.outcomes().size() + " of " + TASKS
                            + " ended; survivor's log ends with:\n" + log.substring(Math.max(0, log.length() - 6000)), e);
                }
                double recovery = (System.nanoTime() - killedAt) / 1e9;
                collector.poll(Duration.ofSeconds(2));
                report(collector, provider, recovery);
                assertThat(collector.outcomes()).hasSize(TASKS);
                assertThat(collector.duplicates()).as("every task ends exactly once").isZero();
                assertThat(collector.outcomes().values().stream().filter(o -> !o.completed()).count())
                        .as("poison tasks dead-lettered").isEqualTo(TASKS / 100);
                assertThat(provider.maxConcurrentTotal()).isLessThanOrEqualTo(PERMITS);
                provider.keyStats().values().forEach(k -> assertThat(k.maxInFlight()).isLessThanOrEqualTo(PER_KEY));
                Map<String, Long> completions = provider.completionsByTaskId();
                List<String> calledTwice = completions.entrySet().stream()
                        .filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
                List<String> calledAgainAfterKill = endedBeforeKill.stream()
                        .filter(id -> completions.getOrDefault(id, 0L) > completedAtKill.getOrDefault(id, 0L)).toList();
                assertThat(calledAgainAfterKill).as("no task whose outcome was committed before the kill is called again")
                        .isEmpty();
                // Work done twice is what the killed instance had called but not yet recorded in the ledger: calls
                // running or waiting for their ledger write (each holding a lease, at most one per permit) and at
                // most as many released ones whose write was still on its way (UnrecordedCompletions).
                assertThat(calledTwice).as("duplicate provider calls, bounded by what was in flight at the kill")
                        .hasSizeLessThanOrEqualTo(2 * PERMITS);
                assertThat(b.isAlive()).isTrue();
            }
            assertLeasesReturned(name);
        }
    }

    private static int poll(OutcomeCollector collector) {
        collector.poll(Duration.ofMillis(200));
        return collector.outcomes().size();
    }

    private static void report(OutcomeCollector c, MockProvider provider, double recovery) {
        long dup = provider.completionsByTaskId().values().stream().filter(n -> n > 1).count();
        System.out.printf("kill -9 scenario: tasks %d, completed %d, dead-lettered %d, lost %d, duplicate provider"
                        + " calls %d, max concurrency %d/%d, recovery %.1f s%n", TASKS,
                c.outcomes().values().stream().filter(OutcomeCollector.Outcome::completed).count(),
                c.outcomes().values().stream().filter(o -> !o.completed()).count(), TASKS - c.outcomes().size(), dup,
                provider.maxConcurrentTotal(), PERMITS, recovery);
    }

    private static void assertLeasesReturned(String pipeline) {
        try (RedisClients redis = RedisClients.connect(REDIS.settings())) {
            RedisPermitSemaphore permits = new RedisPermitSemaphore(redis, pipeline);
            RedisKeyPool pool = new RedisKeyPool(redis, pipeline);
            await().alias("permits and key leases back to full (killed holder's leases expire)")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> permits.inUse("calls") == 0
                            && pool.list("pool").stream().mapToInt(KeyStatus::inUse).sum() == 0);
        }
    }

    private static String pipelineYaml(String name, String url) {
        return """
                pipeline: %1$s
                kafka:
                  bootstrapServers: "%2$s"
                  properties: { session.timeout.ms: "6000", heartbeat.interval.ms: "1500" }
                redis: { uri: "%3$s" }
                lanes:
                  - { name: high, topic: %1$s.tasks.high, partitions: 4, maxInFlight: 64 }
                  - { name: low,  topic: %1$s.tasks.low,  partitions: 4, maxInFlight: 64 }
                retry: { delays: [200ms, 500ms], maxAttempts: 8, jitter: 0.1 }
                admissionWait: 20s
                metricsPort: 0
                keyPools:
                  - { name: pool, maxConcurrentPerKey: %5$d, cooldownOn429: 200ms,
                      keys: [ { id: k1, secret: "kill-secret-1" }, { id: k2, secret: "kill-secret-2" } ] }
                permits:
                  - { name: calls, permits: %6$d, leaseTtl: 3s, reserved: { high: 2 } }
                handlers:
                  fetch: { kind: http, url: "%4$s", keyPool: pool, permits: calls, timeout: 5s }
                """.formatted(name, TestKafka.bootstrapServers(), REDIS.uri(), url, PER_KEY, PERMITS);
    }
}
