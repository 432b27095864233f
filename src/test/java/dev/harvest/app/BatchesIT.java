package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.harvest.client.Backpressure;
import dev.harvest.client.HarvestProducer;
import dev.harvest.client.NewTask;
import dev.harvest.cli.HarvestCli;
import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;
import dev.harvest.testkit.TestKafka;
import dev.harvest.testkit.TestPipelines;
import dev.harvest.testkit.TopicRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Task batches on a real broker: a batch produced across lanes, with poison tasks in it, is tracked to exactly one
 * completion record with the right counts, even though the app is stopped mid-batch and replaced by another on a
 * fresh state directory.
 */
class BatchesIT {

    private static final int SIZE = 120;
    private static final int POISON = 4;
    private static final int SMALL = 10;

    @TempDir
    Path first;

    @TempDir
    Path second;

    @Test
    void shouldEmitExactlyOneCompletionWithCountsAcrossARestart() throws Exception {
        PipelineConfig config = new PipelineLoader(n -> null).parse(yaml(TestPipelines.uniqueName("batch")));
        TopicAdmin.createAll(config);
        try (HarvestProducer producer = HarvestProducer.create(config, Backpressure.failFast())) {
            for (int i = 0; i < SIZE; i++) {
                String payload = i % (SIZE / POISON) == 5 ? "{\"poison\":true}" : "{\"n\":" + i + "}";
                producer.submitJson("{\"id\":\"b" + i + "\",\"type\":\"slow\",\"payload\":" + payload + "}",
                        i % 2 == 0 ? "high" : "low", "nightly");
            }
            producer.declareBatch("nightly", SIZE);
            producer.submitJson("{\"id\":\"solo\",\"type\":\"slow\"}", "high");
            List<NewTask> small = new ArrayList<>();
            for (int i = 0; i < SMALL; i++) {
                small.add(NewTask.of("slow", "{\"n\":" + i + "}"));
            }
            producer.submitBatch("small", small, "low");
            producer.flush();
        }
        try (HarvestApp app = HarvestApp.start(config, AppOptions.defaults(first)
                .withAdmission(AppOptions.AdmissionMode.LOCAL).withDrainTimeout(Duration.ZERO))) {
            await().alias("part of the batch ended and was counted").atMost(Duration.ofSeconds(60))
                    .until(() -> {
                        JsonNode b = BatchReader.latest(config, Duration.ofSeconds(5)).get("nightly");
                        return b != null && b.path("completed").asLong() + b.path("deadLettered").asLong() >= SIZE / 4;
                    });
        }
        try (HarvestApp replacement = HarvestApp.start(config, AppOptions.defaults(second)
                .withAdmission(AppOptions.AdmissionMode.LOCAL))) {
            await().alias("the batch completed").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> "completed".equals(BatchReader.latest(config, Duration.ofSeconds(5))
                            .getOrDefault("nightly", missing()).path("status").asText()));
            List<JsonNode> completions = completions(config, "nightly");
            assertThat(completions).as("exactly one completion record for the batch").hasSize(1);
            JsonNode done = completions.get(0);
            assertThat(done.path("size").asLong()).isEqualTo(SIZE);
            assertThat(done.path("completed").asLong()).isEqualTo(SIZE - POISON);
            assertThat(done.path("deadLettered").asLong()).isEqualTo(POISON);
            assertThat(done.path("outstanding").asLong()).isZero();
            assertThat(done.path("p50Ms").asLong()).isPositive();
            assertThat(done.path("p99Ms").asLong()).isGreaterThanOrEqualTo(done.path("p50Ms").asLong());
            await().alias("the batch sent with submitBatch completed").atMost(Duration.ofSeconds(30))
                    .until(() -> "completed".equals(BatchReader.latest(config, Duration.ofSeconds(5))
                            .getOrDefault("small", missing()).path("status").asText()));
            Map<String, JsonNode> all = BatchReader.latest(config, Duration.ofSeconds(5));
            assertThat(all.keySet()).as("a task outside any batch makes no batch")
                    .containsExactlyInAnyOrder("nightly", "small");
            assertThat(all.get("small").path("completed").asLong()).isEqualTo(SMALL);
            assertThat(completions(config, "small")).hasSize(1);
        }
    }

    @Test
    void shouldTrackABatchProducedAndListedFromTheCommandLine() throws Exception {
        String name = TestPipelines.uniqueName("clibatch");
        Path file = first.resolve("pipeline.yaml");
        Files.writeString(file, yaml(name));
        PipelineConfig config = new PipelineLoader(n -> null).load(file);
        TopicAdmin.createAll(config);
        Path tasks = first.resolve("tasks.jsonl");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            lines.append("{\"id\":\"c").append(i).append("\",\"type\":\"slow\"}\n");
        }
        Files.writeString(tasks, lines);
        assertThat(cli("produce", "--topology", file.toString(), "--lane", "low", "--file", tasks.toString(),
                "--batch", "cli-1")).contains("produced 20 tasks to lane low as batch cli-1");
        try (HarvestApp app = HarvestApp.start(config, AppOptions.defaults(second)
                .withAdmission(AppOptions.AdmissionMode.LOCAL))) {
            await().alias("the batch completed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> cli("batches", "list", "--topology", file.toString()).lines()
                            .anyMatch(l -> l.startsWith("cli-1 ") && l.contains("completed")));
        }
        JsonNode shown = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                cli("batches", "show", "cli-1", "--topology", file.toString()));
        assertThat(shown.path("size").asLong()).isEqualTo(20);
        assertThat(shown.path("completed").asLong()).isEqualTo(20);
        assertThat(HarvestCli.execute("batches", "show", "nope", "--topology", file.toString()))
                .as("an unknown batch is an error").isEqualTo(2);
    }

    /** Runs the CLI in this JVM and returns what it printed; fails unless it exits 0. */
    private static String cli(String... args) {
        java.io.PrintStream original = System.out;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
            code = HarvestCli.execute(args);
        } finally {
            System.setOut(original);
        }
        String text = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(code).as("exit code of %s; output: %s", String.join(" ", args), text).isZero();
        return text;
    }

    private static JsonNode missing() {
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static List<JsonNode> completions(PipelineConfig config, String batchId) throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : TopicRecords.all(config, config.batchesTopic())) {
            JsonNode n = mapper.readTree(r.value());
            if ("completed".equals(n.path("status").asText()) && batchId.equals(n.path("batchId").asText())) {
                out.add(n);
            }
        }
        return out;
    }

    private static String yaml(String name) {
        return """
                pipeline: %1$s
                kafka: { bootstrapServers: "%2$s" }
                batches: true
                lanes:
                  - { name: high, topic: %1$s.tasks.high, partitions: 2, maxInFlight: 8 }
                  - { name: low,  topic: %1$s.tasks.low,  partitions: 2, maxInFlight: 8 }
                retry: { delays: [100ms], maxAttempts: 2, jitter: 0.1 }
                metricsPort: 0
                handlers:
                  slow: { kind: simulated, latency: 150ms }
                """.formatted(name, TestKafka.bootstrapServers());
    }
}
