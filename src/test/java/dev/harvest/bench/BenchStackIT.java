package dev.harvest.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchStackIT {

    @Test
    void shouldStartTheBrokersJvmWithTheGivenOptionsAfterKafkasOwn() throws Exception {
        try (BenchStack stack = BenchStack.start(false, List.of("-XX:MaxGCPauseMillis=50", "-Dharvest.bench.probe=1"))) {
            // The process's own command line (ProcessHandle.Info leaves out one as long as this class path).
            List<String> args = List.of(Files.readString(Path.of("/proc", Long.toString(stack.brokerPid()), "cmdline"))
                    .split("\0"));

            assertThat(args).contains("-Xmx1g", "-XX:MaxGCPauseMillis=20", "-Dharvest.bench.probe=1");
            assertThat(args.indexOf("-XX:MaxGCPauseMillis=50")).as("after Kafka's setting, so that it wins")
                    .isGreaterThan(args.indexOf("-XX:MaxGCPauseMillis=20"))
                    .isLessThan(args.indexOf("dev.harvest.cli.HarvestCli"));
            assertThat(stack.bootstrapServers()).isNotBlank();
        }
    }
}
