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
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM of {@code harvest run} while calls are in progress: what already reached the provider finishes and is
 * routed by the stopping instance, nothing new starts, every lease is given back before the process exits, and
 * the restarted instance runs the rest — no provider call is made twice.
 */
class GracefulShutdownIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final int TASKS = 40;
    private static final int PERMITS = 8;
    private static final Duration LATENCY = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    @Test
    void shouldFinishRunningCallsAndHandBackTheRestWhenTerminated() throws Exception {
        try (MockProvider provider = MockProvider.builder().rpsPerKey(1000).medianLatency(LATENCY).tailSigma(0)
                .errorRate(0).key("k1", "drain-secret-1").key("k2", "drain-secret-2").start()) {
            String name = TestPipelines.uniqueName("drain");
            Path file = dir.resolve("pipeline.yaml");
            Files.writeString(file, pipelineYaml(name, provider.url()));
            PipelineConfig config = new PipelineLoader(n -> null).load(file);
            TopicAdmin.createAll(config);
            try (TaskProducer producer = new TaskProducer(config);
                 OutcomeCollector collector = new OutcomeCollector(config)) {
                for (int i = 0; i < TASKS; i++) {
                    producer.sendJson(i % 2 == 0 ? "high" : "low", "{\"id\":\"g" + i + "\",\"type\":\"fetch\"}");
                }
                producer.flush();
                Map<String, String> env = Map.of("HARVEST_DRAIN_TIMEOUT", "20s");
                AppProcess first = AppProcess.start(file, dir.resolve("a"), "a", env);
                Set<String> started;
                try {
                    await().alias("every permit busy at the provider").atMost(Duration.ofSeconds(60))
                            .until(() -> provider.concurrentTotal() == PERMITS);
                    started = Set.copyOf(provider.callsByTaskId().keySet());
                    int exit = first.terminate(Duration.ofSeconds(40));
                    // 143 = 128 + SIGTERM: the JVM's status after its shutdown hooks ran to the end.
                    assertThat(exit).as("ended by itself within the bound after SIGTERM").isIn(0, 143);
                    assertThat(first.output()).contains("running attempts finished");
                } finally {
                    first.close();
                }
                assertThat(provider.concurrentTotal()).as("no call left running at the provider").isZero();
                assertThat(provider.callsByTaskId().keySet()).as("no call started after SIGTERM")
                        .containsExactlyInAnyOrderElementsOf(started);
                assertAllReturned(name);
                collector.poll(Duration.ofSeconds(2));
                assertThat(collector.outcomes().keySet()).as("calls in progress at SIGTERM finished and were routed")
                        .containsAll(started);
                assertThat(collector.outcomes().size()).isLessThan(TASKS);

                try (AppProcess restarted = AppProcess.start(file, dir.resolve("a"), "a", env)) {
                    await().alias("the restarted instance runs what was handed back").atMost(Duration.ofSeconds(90))
                            .until(() -> {
                                collector.poll(Duration.ofMillis(200));
                                return collector.outcomes().size() >= TASKS;
                            });
                }
                collector.poll(Duration.ofSeconds(1));
                assertThat(collector.outcomes()).hasSize(TASKS);
                assertThat(collector.duplicates()).as("every task ends once").isZero();
                assertThat(collector.outcomes().values()).allMatch(OutcomeCollector.Outcome::completed);
                assertThat(provider.callsByTaskId().values()).as("no provider call made twice").allMatch(n -> n == 1);
            }
        }
    }

    /** Checked right after the exit, well inside the lease TTL: the stopping instance released what it held. */
    private static void assertAllReturned(String pipeline) {
        try (RedisClients redis = RedisClients.connect(REDIS.settings())) {
            assertThat(new RedisPermitSemaphore(redis, pipeline).inUse("calls")).as("permits in use").isZero();
            assertThat(new RedisKeyPool(redis, pipeline).list("pool").stream().mapToInt(KeyStatus::inUse).sum())
                    .as("key leases in use").isZero();
        }
    }

    private static String pipelineYaml(String name, String url) {
        return """
                pipeline: %1$s
                kafka: { bootstrapServers: "%2$s" }
                redis: { uri: "%3$s" }
                lanes:
                  - { name: high, topic: %1$s.tasks.high, partitions: 2, maxInFlight: 16 }
                  - { name: low,  topic: %1$s.tasks.low,  partitions: 2, maxInFlight: 16 }
                retry: { delays: [200ms], maxAttempts: 3, jitter: 0.1 }
                admissionWait: 60s
                metricsPort: 0
                keyPools:
                  - { name: pool, maxConcurrentPerKey: 4,
                      keys: [ { id: k1, secret: "drain-secret-1" }, { id: k2, secret: "drain-secret-2" } ] }
                permits:
                  - { name: calls, permits: %5$d, leaseTtl: 30s }
                handlers:
                  fetch: { kind: http, url: "%4$s", keyPool: pool, permits: calls, timeout: 10s }
                """.formatted(name, TestKafka.bootstrapServers(), REDIS.uri(), url, PERMITS);
    }
}
