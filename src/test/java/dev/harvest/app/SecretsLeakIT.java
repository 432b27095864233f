package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;

import dev.harvest.devstack.MockProvider;
import dev.harvest.testkit.LogCapture;
import dev.harvest.testkit.SaslSslBroker;
import dev.harvest.testkit.TlsRedis;
import dev.harvest.testkit.TestPipelines;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full pipeline with every kind of secret configured: Kafka SASL password, Redis password and ACL user over
 * TLS, API keys inline and from a mounted file. After a run with completions, retries and dead letters, none of the
 * secrets appears in the logs (Kafka client configuration included), {@code /metrics}, {@code /health/*}, the
 * results or the dead letters; and the provider saw the right key on every call.
 */
class SecretsLeakIT {

    private static final String KAFKA_PASSWORD = "kafka-secret-5b1e";
    private static final String REDIS_PASSWORD = "redis-secret-c03a";
    private static final String ACL_PASSWORD = "acl-secret-77d9";
    private static final String INLINE_KEY = "sk-inline-secret-1f2a";
    private static final String FILE_KEY = "sk-file-secret-9e4b";
    private static final List<String> SECRETS = List.of(KAFKA_PASSWORD, REDIS_PASSWORD, ACL_PASSWORD, INLINE_KEY,
            FILE_KEY);
    private static final int TASKS = 80;

    @TempDir
    Path dir;

    @Test
    void shouldShowNoSecretAnywhereWhenAFullPipelineRuns() throws Exception {
        Path keyFile = Files.writeString(dir.resolve("provider-key-2"), FILE_KEY + "\n");
        LogCapture logs = LogCapture.begin(Level.INFO, "org.apache.kafka.clients", "org.apache.kafka.streams",
                "org.apache.kafka.common.config", "io.lettuce");
        String scrape;
        String health;
        String records;
        try (SaslSslBroker broker = SaslSslBroker.start(dir, "harvest", KAFKA_PASSWORD);
             TlsRedis redis = TlsRedis.start(dir, REDIS_PASSWORD, "harvest", ACL_PASSWORD);
             MockProvider provider = MockProvider.builder().rpsPerKey(200).medianLatency(Duration.ofMillis(5))
                     .key("k1", INLINE_KEY).key("k2", FILE_KEY).start()) {
            PipelineConfig config = pipeline(broker, redis.tlsPort(), redis.caPem(), keyFile, provider.url());
            TopicAdmin.createAll(config);
            try (HarvestApp app = HarvestApp.start(config, AppOptions.defaults(dir.resolve("state")));
                 TaskProducer producer = new TaskProducer(config);
                 OutcomeCollector collector = new OutcomeCollector(config, true)) {
                for (int i = 0; i < TASKS; i++) {
                    String payload = i % 10 == 0 ? "{\"poison\":true}" : i % 10 == 1 ? "{\"rateLimitFirst\":true}"
                            : "{\"n\":" + i + "}";
                    producer.sendJson(i % 2 == 0 ? "high" : "low",
                            "{\"id\":\"s" + i + "\",\"type\":\"fetch\",\"payload\":" + payload + "}");
                }
                producer.sendRaw("low", "broken", "{\"id\":".getBytes(StandardCharsets.UTF_8));
                producer.flush();
                await().alias("every task has an outcome").atMost(Duration.ofSeconds(60)).until(() -> {
                    collector.poll(Duration.ofMillis(200));
                    return collector.outcomes().size() >= TASKS + 1;
                });
                assertThat(collector.outcomes().values().stream().filter(o -> !o.completed()).map(o -> o.reason()))
                        .containsOnly("permanent-failure", "malformed").hasSize(TASKS / 10 + 1);
                assertThat(provider.unauthorizedCount()).as("calls refused for a missing or wrong key").isZero();
                assertThat(provider.keyStats().values()).allSatisfy(k -> assertThat(k.maxInFlight()).isPositive());
                scrape = get(app.metricsPort(), "/metrics");
                health = get(app.metricsPort(), "/health/live") + get(app.metricsPort(), "/health/ready");
                records = collector.rawText();
            }
        } finally {
            logs.stop();
        }
        assertThat(scrape).contains("harvest_tasks_total", "kafka_stream");
        assertThat(records).contains("permanent-failure");
        assertThat(logs.text()).contains("sasl.jaas.config = [hidden]");
        for (String secret : SECRETS) {
            assertThat(logs.text()).as("logs").doesNotContain(secret);
            assertThat(scrape).as("/metrics").doesNotContain(secret);
            assertThat(health).as("/health").doesNotContain(secret);
            assertThat(records).as("results and dead letters").doesNotContain(secret);
        }
    }

    private static PipelineConfig pipeline(SaslSslBroker broker, int redisTlsPort, Path redisCa, Path keyFile,
                                           String providerUrl) {
        String yaml = """
                pipeline: %1$s
                %2$s
                redis:
                  uri: "rediss://127.0.0.1:%3$d"
                  username: harvest
                  password: "${REDIS_PASSWORD}"
                  tls: { caFile: "%4$s" }
                lanes:
                  - { name: high, topic: %1$s.tasks.high, partitions: 2 }
                  - { name: low,  topic: %1$s.tasks.low,  partitions: 2 }
                retry: { delays: [100ms, 300ms], maxAttempts: 4 }
                metricsPort: 0
                keyPools:
                  - { name: pool, maxConcurrentPerKey: 4, cooldownOn429: 100ms,
                      keys: [ { id: k1, secret: "%5$s" }, { id: k2, secretFile: "%6$s" } ] }
                permits:
                  - { name: calls, permits: 6, leaseTtl: 5s }
                handlers:
                  fetch: { kind: http, url: "%7$s", keyPool: pool, permits: calls, timeout: 5s }
                """.formatted(TestPipelines.uniqueName("secrets"), broker.kafkaYaml(), redisTlsPort,
                redisCa, INLINE_KEY, keyFile, providerUrl);
        Map<String, String> env = Map.of("KAFKA_SASL_PASSWORD", KAFKA_PASSWORD, "REDIS_PASSWORD", ACL_PASSWORD);
        return new PipelineLoader(env::get).parse(yaml);
    }

    private static String get(int port, String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body();
    }
}
