package dev.harvest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI without a broker: help everywhere, one clear line and a non-zero exit for bad input. */
class HarvestCliTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut;
    private PrintStream oldErr;

    @TempDir
    Path dir;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    @Test
    void shouldPrintHelpWhenAskedOnEveryCommand() {
        for (String[] args : new String[][] {{"--help"}, {"demo", "--help"}, {"run", "--help"}, {"dev", "--help"},
            {"produce", "--help"}, {"topics", "create", "--help"}, {"describe", "--help"}}) {
            assertThat(HarvestCli.execute(args)).as(String.join(" ", args)).isZero();
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: harvest", "--topology", "--tasks");
    }

    @Test
    void shouldExitNonZeroWithOneLineNamingFieldWhenPipelineIsInvalid() throws IOException {
        String yaml = Files.readString(Path.of("topologies/harvest.yaml"))
                .replace("topic: harvest.tasks.normal", "topic: \"\"");
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, yaml);
        int code = HarvestCli.execute("describe", "--topology", bad.toString());
        assertThat(code).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8).strip()).isEqualTo("error: lanes[1].topic: must not be blank");
    }

    @Test
    void shouldExitNonZeroWhenFileIsMissing() {
        int code = HarvestCli.execute("describe", "--topology", dir.resolve("nope.yaml").toString());
        assertThat(code).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8).lines()).hasSize(1).first().asString()
                .startsWith("error: pipeline file not found");
    }

    @Test
    void shouldDescribeEveryAppWhenPipelineIsValid() {
        assertThat(HarvestCli.execute("describe", "--topology", "topologies/harvest.yaml")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("# application.id: harvest-high",
                "# application.id: harvest-normal", "# application.id: harvest-low", "# application.id: harvest-retry",
                "Source: lane-source (topics: [harvest.tasks.high])", "harvest.retry.1m");
    }

    @Test
    void shouldRejectUnknownOptionWithUsage() {
        assertThat(HarvestCli.execute("demo", "--no-such-option")).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Unknown option");
    }

    @Test
    void shouldExitWithOneLineNamingTheOptionWhenBenchIsToldHalfOfAClusterBothKindsOrABadWindow() throws IOException {
        String[][] cases = {
            {"--bootstrap", "kafka-1:9092"},
            {"--redis-uri", "redis://redis:6379"},
            {"--bootstrap", "kafka-1:9092", "--redis-uri", "http://redis:6379"},
            {"--topology", "topologies/harvest.yaml", "--bootstrap", "kafka-1:9092"},
            {"--bootstrap", "kafka-1:9092", "--redis-uri", "redis://redis:6379", "--broker-in-process"},
            {"--topology", dir.resolve("nope.yaml").toString()},
            {"--dedupe-window", "ten minutes"},
            {"--dedupe-window=PT-1S"},
        };
        String[] expected = {
            "error: --bootstrap needs --redis-uri (the Redis to use beside that cluster)",
            "error: --redis-uri needs --bootstrap (the benchmark's own broker comes with its own Redis)",
            "error: --redis-uri: must start with redis:// or rediss://",
            "error: --topology names the cluster and Redis itself; leave out --bootstrap and --redis-uri",
            "error: --broker-in-process is for the broker the benchmark starts, not for a cluster of its own"
                    + " (--bootstrap, --topology)",
            "error: pipeline file not found",
            "error: --dedupe-window: not a duration: 'ten minutes' (use e.g. 500ms, 30s, 1m, 2h)",
            "error: --dedupe-window must not be negative",
        };
        for (int i = 0; i < cases.length; i++) {
            err.reset();
            String[] args = new String[cases[i].length + 1];
            args[0] = "bench";
            System.arraycopy(cases[i], 0, args, 1, cases[i].length);
            assertThat(HarvestCli.execute(args)).as(String.join(" ", args)).isEqualTo(2);
            assertThat(err.toString(StandardCharsets.UTF_8).lines()).as(String.join(" ", args)).hasSize(1).first()
                    .asString().startsWith(expected[i]);
        }
    }
}
