package dev.harvest.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** An app instance as its own JVM: {@code java -jar target/harvest.jar run …}, as it runs in production. */
public final class AppProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private AppProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code harvest run} on {@code pipeline} with its own state directory and instance id. */
    public static AppProcess start(Path pipeline, Path dir, String instanceId, Map<String, String> env)
            throws IOException {
        Path jar = Path.of(System.getProperty("harvest.jar", "target/harvest.jar")).toAbsolutePath();
        Files.createDirectories(dir);
        Path log = dir.resolve("instance.log");
        List<String> cmd = new ArrayList<>(List.of("java", "-Xmx512m", "-XX:+UseSerialGC", "-jar", jar.toString(),
                "run", "--topology", pipeline.toString(), "--state-dir", dir.resolve("state").toString(),
                "--metrics-port", "0"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        pb.environment().put("HARVEST_INSTANCE_ID", instanceId);
        return new AppProcess(pb.start(), log);
    }

    /** {@code kill -9}: no shutdown hook, no release of anything. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String output() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** SIGTERM; waits up to {@code bound} for the process to end and returns its exit code, or -1 if it did not. */
    public int terminate(java.time.Duration bound) throws InterruptedException {
        process.destroy();
        return process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** SIGTERM, then waits for the graceful shutdown. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
