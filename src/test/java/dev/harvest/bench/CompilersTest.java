package dev.harvest.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompilersTest {

    private static void thread(Path tasks, String tid, String comm, String schedstat, String stat) throws Exception {
        Path t = Files.createDirectories(tasks.resolve(tid));
        Files.writeString(t.resolve("comm"), comm + "\n");
        if (schedstat != null) {
            Files.writeString(t.resolve("schedstat"), schedstat + "\n");
        }
        Files.writeString(t.resolve("stat"), stat + "\n");
    }

    @Test
    void shouldSumTheCompilerThreadsOnlyFromSchedstatOrElseFromClockTicks(@TempDir Path tasks) throws Exception {
        thread(tasks, "101", "C2 CompilerThre", "7000000 5 9",
                "101 (C2 CompilerThre) S 1 1 1 0 -1 0 0 0 0 0 999 999 0");
        thread(tasks, "102", "C1 CompilerThre", null, "102 (C1 CompilerThre) S 1 1 1 0 -1 0 0 0 0 0 3 2 0");
        thread(tasks, "103", "kafka-producer-", "500000000 0 1", "103 (kafka-producer-) S 1 1 1 0 -1 0 0 0 0 0 50 0 0");

        assertThat(Compilers.cpuNanos(tasks)).as("7 ms from schedstat + 5 ticks of 10 ms").isEqualTo(57_000_000L);
        assertThat(Compilers.cpuNanos(tasks.resolve("absent"))).isEqualTo(-1);
    }

    @Test
    void shouldFindThisJvmsCompilersBusy() {
        assumeThat(Path.of("/proc/self/task")).isDirectory();
        assertThat(Compilers.cpuNanos(ProcessHandle.current().pid())).as("loading the test classes compiled some")
                .isPositive();
    }
}
