package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every pipeline file under {@code topologies/} has its {@code describe()} snapshot committed beside it
 * ({@code <name>.describe.txt}); a change to the topology must update the snapshot on purpose. Run with
 * {@code -Dharvest.updateSnapshots=true} to rewrite them.
 */
class TopologySnapshotTest {

    static List<Path> pipelineFiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("topologies"))) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @ParameterizedTest
    @MethodSource("pipelineFiles")
    void shouldMatchCommittedSnapshotWhenTopologyIsDescribed(Path file) throws IOException {
        PipelineConfig config = new PipelineLoader(name -> null).load(file);
        String actual = Describer.snapshot(config);
        Path snapshot = Path.of(file.toString().replaceAll("\\.yaml$", ".describe.txt"));
        if (Boolean.getBoolean("harvest.updateSnapshots")) {
            Files.writeString(snapshot, actual, StandardCharsets.UTF_8);
        }
        assertThat(snapshot).as("snapshot beside " + file).exists();
        assertThat(actual).isEqualTo(Files.readString(snapshot, StandardCharsets.UTF_8));
    }
}
