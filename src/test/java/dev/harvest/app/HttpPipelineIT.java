package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.config.PipelineConfig;
import dev.harvest.devstack.MockProvider;
import dev.harvest.testkit.TestKafka;
import dev.harvest.testkit.TestPipelines;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import dev.harvest.testkit.LogCapture;
import dev.harvest.testkit.RedisServerExtension;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The http handler end to end, with keys and permits in a real Redis, against a local rate-limited provider:
 * 429s cool keys down and retry, poison payloads dead-letter, the provider never sees more concurrent calls
 * than the permits and key caps allow, and no secret shows up in logs, metrics, results or dead letters.
 */
class HttpPipelineIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final List<String> SECRETS = List.of("secret-one-xyz", "secret-two-xyz");

    private static final int TASKS = 300;

    @TempDir
    Path stateDir;

    @Test
    void shouldRespectLimitsAndAccountForEveryTaskWhenProviderRateLimits() throws Exception {
        try (MockProvider provider = MockProvider.builder().rpsPerKey(40).medianLatency(Duration.ofMillis(15))
                .key("k1", "secret-one-xyz").key("k2", "secret-two-xyz").start()) {
            String handlers = "  fetch: { kind: http, url: \"" + provider.url()
                    + "\", keyPool: pool, permits: calls, timeout: 5s }";
            PipelineConfig config = TestPipelines.twoLanes(TestPipelines.uniqueName("http"),
                    TestKafka.bootstrapServers(), handlers, 6).withRedis(REDIS.settings());
            TopicAdmin.createAll(config);
            LogCapture logs = LogCapture.begin();
            try (HarvestApp app = HarvestApp.start(config, AppOptions.defaults(stateDir));
                 TaskProducer producer = new TaskProducer(config);
                 OutcomeCollector collector = new OutcomeCollector(config, true)) {
                for (int i = 0; i < TASKS; i++) {
                    String payload = i % 25 == 0 ? "{\"poison\":true}"
                            : i % 60 == 7 ? "{\"rateLimitFirst\":true}" : "{\"n\":" + i + "}";
                    producer.sendJson(i % 2 == 0 ? "high" : "low",
                            "{\"id\":\"h" + i + "\",\"type\":\"fetch\",\"payload\":" + payload + "}");
                }
                producer.flush();
                await().alias("every task has an outcome").atMost(Duration.ofSeconds(120)).until(() -> {
                    collector.poll(Duration.ofMillis(200));
                    return collector.outcomes().size() >= TASKS;
                });
                collector.poll(Duration.ofSeconds(1));
                assertThat(collector.duplicates()).isZero();
                long poison = collector.outcomes().values().stream()
                        .filter(o -> "permanent-failure".equals(o.reason())).count();
                assertThat(poison).as("dead letters by reason: %s", collector.outcomes().values().stream()
                        .collect(java.util.stream.Collectors.groupingBy(o -> String.valueOf(o.reason()),
                                java.util.stream.Collectors.counting()))).isEqualTo(TASKS / 25);
                assertThat(collector.outcomes().values().stream().filter(OutcomeCollector.Outcome::completed).count())
                        .isEqualTo(TASKS - TASKS / 25);
                int permits = config.permits().get(0).permits();
                int perKey = config.keyPools().get(0).maxConcurrentPerKey();
                assertThat(provider.maxConcurrentTotal()).as("concurrent calls never above permits")
                        .isBetween(1, permits);
                provider.keyStats().values().forEach(k -> assertThat(k.maxInFlight())
                        .as("concurrent calls on key " + k.keyId()).isLessThanOrEqualTo(perKey));
                assertThat(provider.unauthorizedCount()).isZero();
                assertThat(provider.keyStats().values().stream().mapToLong(k -> k.rateLimited()).sum())
                        .as("the provider rate-limited some calls, and they were retried to completion").isPositive();
                String scrape = app.registry().scrape();
                assertThat(scrape).contains("harvest_tasks_total", "lettuce_command_completion_seconds",
                        "harvest_redis_calls_total", "harvest_ratelimited_total");
                for (String secret : SECRETS) {
                    assertThat(scrape).as("metrics").doesNotContain(secret);
                    assertThat(collector.rawText()).as("results and dead letters").doesNotContain(secret);
                }
            } finally {
                logs.stop();
            }
            assertThat(logs.text()).as("log lines of the run").isNotEmpty();
            for (String secret : SECRETS) {
                assertThat(logs.text()).as("logs").doesNotContain(secret);
            }
        }
    }
}
