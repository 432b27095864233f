package dev.harvest.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.harvest.config.PipelineLoaderTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code harvest run} with a hostile pipeline file: every field invalid in turn (the cases of
 * {@link PipelineLoaderTest}), and files made to hurt a YAML parser (alias bombs, deep nesting, binary, huge). Each
 * gives one line on stderr that names the problem (the field, where there is one), no stack trace, and a non-zero
 * exit, quickly.
 */
class HostileConfigTest {

    private static final Duration BOUND = Duration.ofSeconds(10);

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldErr;

    @TempDir
    Path dir;

    @BeforeEach
    void capture() {
        oldErr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(oldErr);
    }

    static Stream<Arguments> invalidFields() {
        return PipelineLoaderTest.invalidFiles();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("invalidFields")
    void shouldExitNonZeroWithOneLineNamingTheFieldWhenAFieldIsInvalid(String expectedStart, List<String> edits)
            throws IOException {
        Path file = Files.writeString(dir.resolve("pipeline.yaml"), PipelineLoaderTest.edited(edits));

        int code = run(file);

        assertThat(code).isEqualTo(2);
        assertThat(stderrLines()).singleElement().asString().startsWith("error: " + expectedStart);
    }

    static Stream<Arguments> hostileFiles() {
        StringBuilder bomb = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (char c = 'b'; c <= 'j'; c++) {
            char p = (char) (c - 1);
            bomb.append(c).append(": &").append(c).append(" [*").append(p).append(",*").append(p).append(",*")
                    .append(p).append(",*").append(p).append(",*").append(p).append(",*").append(p).append("]\n");
        }
        byte[] binary = new byte[64 * 1024];
        new Random(7).nextBytes(binary);
        return Stream.of(
                Arguments.of("alias bomb", bomb.toString().getBytes(StandardCharsets.UTF_8)),
                Arguments.of("deep flow nesting", "[".repeat(200_000).getBytes(StandardCharsets.UTF_8)),
                Arguments.of("deep block nesting", deepBlock(5_000).getBytes(StandardCharsets.UTF_8)),
                Arguments.of("binary", binary),
                Arguments.of("huge scalar", ("pipeline: " + "x".repeat(8 * 1024 * 1024)).getBytes(StandardCharsets.UTF_8)),
                Arguments.of("java type tag", "pipeline: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL [\"http://127.0.0.1:1/\"]]]]"
                        .getBytes(StandardCharsets.UTF_8)),
                Arguments.of("null document", "~\n".getBytes(StandardCharsets.UTF_8)),
                Arguments.of("invalid UTF-8", new byte[] {'p', 'i', 'p', 'e', ':', ' ', (byte) 0xC3, 0x28}),
                Arguments.of("many documents", "pipeline: a\n---\npipeline: b\n---\n".getBytes(StandardCharsets.UTF_8)));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("hostileFiles")
    void shouldExitNonZeroWithOneLineWhenTheFileIsHostile(String what, byte[] content) throws IOException {
        Path file = Files.write(dir.resolve("pipeline.yaml"), content);

        int code = run(file);

        assertThat(code).as(what).isNotZero();
        assertThat(stderrLines()).as(what).singleElement().asString().startsWith("error: ").hasSizeLessThan(600)
                .doesNotContain("Exception:", "\tat ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/dev/zero", "/dev/urandom", "."})
    void shouldExitNonZeroWithOneLineWhenThePathIsNotAPipelineFile(String path) {
        int code = run(Path.of(path));

        assertThat(code).as(path).isNotZero();
        assertThat(stderrLines()).as(path).singleElement().asString().startsWith("error: ").hasSizeLessThan(600);
    }

    private int run(Path file) {
        return assertTimeoutPreemptively(BOUND, () -> HarvestCli.execute("run", "--topology", file.toString(),
                "--admission", "local"));
    }

    private List<String> stderrLines() {
        return err.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private static String deepBlock(int depth) {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            yaml.append(" ".repeat(i)).append("k").append(i).append(":\n");
        }
        return yaml.toString();
    }
}
