package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.harvest.testkit.ChildEnvironment;
import dev.harvest.testkit.TestKafka;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar, as a user runs it: the demo, topics create (twice), produce. */
class CliIT {

    private static final Path JAR = Path.of(System.getProperty("harvest.jar", "target/harvest.jar"));

    @TempDir
    Path dir;

    @Test
    void shouldLoseNothingWhenDemoRunsWithJson() throws Exception {
        Result r = run(List.of("demo", "--tasks", "2000", "--json"), 300);
        assertThat(r.code).as(r.out).isZero();
        String last = r.out.strip().lines().reduce((a, b) -> b).orElseThrow();
        JsonNode json = new ObjectMapper().readTree(last);
        assertThat(json.get("produced").asLong()).isEqualTo(2000);
        assertThat(json.get("lost").asLong()).isZero();
        assertThat(json.get("completed").asLong() + json.get("deadLettered").asLong()).isEqualTo(2000);
        assertThat(json.get("maxConcurrentPerKeyObserved").asInt()).as("measured at the provider")
                .isBetween(1, json.get("keyConcurrencyCap").asInt());
        assertThat(json.get("maxPermitsObserved").asInt()).isBetween(1, json.get("permits").asInt());
        assertThat(json.get("redisCallsPerTask").asDouble()).isPositive();
        assertThat(json.get("deadLettered").asLong()).isPositive();
        assertThat(json.get("retried").asLong()).isPositive();
        for (String key : List.of("throughputPerSec", "p50Ms", "p99Ms")) {
            assertThat(json.has(key)).as(key).isTrue();
        }
        assertThat(r.out).contains("lane", "high", "normal", "low");
    }

    @Test
    void shouldCreateTopicsIdempotentlyAndProduceFromFile() throws Exception {
        String name = "clitest" + ProcessHandle.current().pid();
        Path pipeline = dir.resolve("p.yaml");
        Files.writeString(pipeline, Files.readString(Path.of("topologies/harvest.yaml"))
                .replace("pipeline: harvest", "pipeline: " + name)
                .replace("harvest.tasks.", name + ".tasks.")
                .replace("harvest.results", name + ".results").replace("harvest.dlq", name + ".dlq"));
        Result first = run(List.of("topics", "create", "--topology", pipeline.toString()), 60);
        assertThat(first.code).as(first.out).isZero();
        assertThat(first.out).contains(name + ".tasks.high", "created");
        Result second = run(List.of("topics", "create", "--topology", pipeline.toString()), 60);
        assertThat(second.code).as(second.out).isZero();
        assertThat(second.out).doesNotContain("created").contains("exists");
        try (Admin admin = Admin.create(java.util.Map.of("bootstrap.servers", TestKafka.bootstrapServers()))) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
                    .contains(name + ".tasks.low", name + ".retry.1s", name + ".retry.1m", name + ".dlq");
        }
        Path tasks = dir.resolve("tasks.jsonl");
        Files.writeString(tasks, "{\"id\":\"a\",\"type\":\"simulate\"}\n\n{\"id\":\"b\",\"type\":\"simulate\"}\n");
        Result produced = run(List.of("produce", "--topology", pipeline.toString(), "--lane", "high", "--file",
                tasks.toString()), 60);
        assertThat(produced.code).as(produced.out).isZero();
        assertThat(produced.out).contains("produced 2 tasks to lane high");
        Files.writeString(tasks, "{\"id\":\"c\",\"type\":\"simulate\"}\nnot json\n");
        Result bad = run(List.of("produce", "--topology", pipeline.toString(), "--lane", "high", "--file",
                tasks.toString()), 60);
        assertThat(bad.code).isNotZero();
        assertThat(bad.err.strip()).startsWith("error: line 2: not valid JSON");
    }

    private record Result(int code, String out, String err) {
    }

    private Result run(List<String> args, int timeoutSeconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", JAR.toAbsolutePath().toString()));
        cmd.addAll(args);
        Path outFile = dir.resolve("out-" + System.nanoTime());
        Path errFile = dir.resolve("err-" + System.nanoTime());
        ProcessBuilder pb = ChildEnvironment.withoutInheritedSettings(
                new ProcessBuilder(cmd).redirectOutput(outFile.toFile()).redirectError(errFile.toFile()));
        pb.environment().put("HARVEST_KAFKA_BOOTSTRAP", TestKafka.bootstrapServers());
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        return new Result(p.exitValue(), Files.readString(outFile, StandardCharsets.UTF_8),
                Files.readString(errFile, StandardCharsets.UTF_8));
    }
}
