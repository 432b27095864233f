package dev.harvest.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.devstack.FreePorts;
import dev.harvest.testkit.ChildEnvironment;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code harvest dev --exit-with-parent} (how the benchmark runs its broker): when the process that started it is
 * killed, it stops, and its Redis and broker with it, instead of holding their ports for good.
 */
class DevExitWithParentIT {

    @TempDir
    Path dir;

    @Test
    void shouldStopWithBrokerAndRedisWhenItsParentIsKilled() throws Exception {
        int kafkaPort = FreePorts.pick();
        int redisPort = FreePorts.pick();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String dev = String.join(" ", List.of(quote(java), "-cp", quote(System.getProperty("java.class.path")),
                "dev.harvest.cli.HarvestCli", "dev", "--kafka-port", Integer.toString(kafkaPort), "--redis-port",
                Integer.toString(redisPort), "--exit-with-parent"));
        // A shell as the parent: it prints its child's pid, then waits for it. Output goes to a file: a pipe that
        // nobody reads once the parent is gone would stop the child on a full buffer while it logs its shutdown.
        Path out = dir.resolve("dev.log");
        Process parent = ChildEnvironment.withoutInheritedSettings(new ProcessBuilder("bash", "-c",
                dev + " & echo pid=$!; wait").redirectErrorStream(true).redirectOutput(out.toFile())).start();
        long devPid = -1;
        try {
            await().alias("harvest dev started and printed its addresses").atMost(Duration.ofSeconds(120))
                    .until(() -> Files.readAllLines(out).stream().anyMatch(l -> l.startsWith("Redis:")));
            devPid = Files.readAllLines(out).stream().filter(l -> l.startsWith("pid=")).findFirst()
                    .map(l -> Long.parseLong(l.substring(4).trim())).orElseThrow();
            assertThat(accepts(redisPort)).as("its Redis is up").isTrue();

            parent.destroyForcibly().waitFor();

            Optional<ProcessHandle> devProcess = ProcessHandle.of(devPid);
            await().alias("harvest dev ends with its parent").atMost(Duration.ofSeconds(60))
                    .until(() -> devProcess.map(h -> !h.isAlive()).orElse(true));
            await().alias("its Redis and broker stopped").atMost(Duration.ofSeconds(30))
                    .until(() -> !accepts(redisPort) && !accepts(kafkaPort));
        } finally {
            if (devPid > 0) {
                // SIGTERM first: its shutdown hook stops Redis and the broker, which SIGKILL would leave running.
                ProcessHandle.of(devPid).ifPresent(DevExitWithParentIT::stop);
            }
        }
    }

    private static void stop(ProcessHandle h) {
        h.destroy();
        try {
            h.onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            h.destroyForcibly();
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
