package dev.harvest.cli;

import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --topology FILE} option shared by the commands that read a pipeline file. */
final class PipelineOption {

    @Option(names = {"-t", "--topology"}, required = true, paramLabel = "FILE",
            description = "Pipeline file (YAML), e.g. topologies/harvest.yaml")
    Path file;

    PipelineConfig load() {
        return new PipelineLoader().load(file);
    }
}
