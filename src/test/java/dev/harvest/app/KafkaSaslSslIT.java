package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;
import dev.harvest.testkit.LogCapture;
import dev.harvest.testkit.SaslSslBroker;
import dev.harvest.testkit.TestPipelines;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pipeline against a broker that only lets authenticated clients in: SASL/PLAIN over TLS with a certificate the
 * test made. Everything the clients need comes from {@code kafka.properties} in the pipeline file, the password
 * through {@code ${KAFKA_SASL_PASSWORD}}, as a Kubernetes Secret would provide it.
 */
class KafkaSaslSslIT {

    private static final String PASSWORD = "sasl-pass-4d8a";
    private static final int TASKS = 60;

    private static SaslSslBroker broker;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = SaslSslBroker.start(Files.createTempDirectory("kafka-sasl-"), "harvest", PASSWORD);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldRunThePipelineWhenKafkaPropertiesCarrySaslSslSettings() throws Exception {
        PipelineConfig config = pipeline(TestPipelines.uniqueName("sasl"), PASSWORD);
        LogCapture logs = LogCapture.begin(Level.INFO, "org.apache.kafka.clients", "org.apache.kafka.streams",
                "org.apache.kafka.common.config");
        try {
            TopicAdmin.createAll(config);
            try (HarvestApp app = HarvestApp.start(config, AppOptions.defaults(stateDir)
                    .withAdmission(AppOptions.AdmissionMode.LOCAL).withServeMetrics(false));
                 TaskProducer producer = new TaskProducer(config);
                 OutcomeCollector collector = new OutcomeCollector(config, true)) {
                for (int i = 0; i < TASKS; i++) {
                    producer.sendJson(i % 2 == 0 ? "high" : "low",
                            "{\"id\":\"s" + i + "\",\"type\":\"simulate\",\"payload\":{\"n\":" + i + "}}");
                }
                producer.sendRaw("low", "broken", "{not json".getBytes(StandardCharsets.UTF_8));
                producer.flush();
                await().alias("every task has an outcome over SASL_SSL").atMost(Duration.ofSeconds(60)).until(() -> {
                    collector.poll(Duration.ofMillis(200));
                    return collector.outcomes().size() >= TASKS + 1;
                });
                assertThat(collector.outcomes().values().stream().filter(OutcomeCollector.Outcome::completed))
                        .hasSize(TASKS);
                assertThat(collector.outcomes().get("broken").reason()).isEqualTo("malformed");
                assertThat(collector.duplicates()).isZero();
                assertThat(app.health().ready()).isTrue();
            }
        } finally {
            logs.stop();
        }
        assertThat(logs.text()).as("the clients' logged configuration").contains("sasl.jaas.config = [hidden]")
                .doesNotContain(PASSWORD);
    }

    @Test
    void shouldRefuseClientsWhenThePasswordIsWrong() {
        PipelineConfig config = pipeline(TestPipelines.uniqueName("sasl-wrong"), "not-the-password");

        try (Admin admin = Admin.create(KafkaClientProperties.common(config))) {
            assertThatThrownBy(() -> admin.listTopics().names().get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    @Test
    void shouldRefuseClientsWithoutSaslOnTheSecuredListener() {
        PipelineConfig config = pipeline(TestPipelines.uniqueName("sasl-none"), PASSWORD);
        Map<String, Object> plain = Map.of("bootstrap.servers", config.kafka().bootstrapServers(),
                "request.timeout.ms", 3000, "default.api.timeout.ms", 5000);

        try (Admin admin = Admin.create(plain)) {
            assertThatThrownBy(() -> admin.listTopics().names().get()).isInstanceOf(ExecutionException.class);
        }
    }

    private static PipelineConfig pipeline(String name, String password) {
        String yaml = """
                pipeline: %1$s
                %2$s
                lanes:
                  - { name: high, topic: %1$s.tasks.high, partitions: 2 }
                  - { name: low,  topic: %1$s.tasks.low,  partitions: 2 }
                retry: { delays: [100ms], maxAttempts: 2 }
                metricsPort: 0
                handlers:
                  simulate: { kind: simulated, latency: 2ms }
                """.formatted(name, broker.kafkaYaml());
        return new PipelineLoader(Map.of("KAFKA_SASL_PASSWORD", password)::get).parse(yaml);
    }
}
