package dev.harvest.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An app instance as its own JVM: {@code java -jar target/harvest.jar run …}, as it runs in production. */
public final class AppProcess implements AutoCloseable {

    private static final Pattern METRICS_PORT = Pattern.compile("metrics and health on port (\\d+)");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

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
        // Appended: an instance restarted on the same directory keeps the log of its earlier runs.
        ProcessBuilder pb = ChildEnvironment.withoutInheritedSettings(new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())));
        pb.environment().putAll(env);
        pb.environment().put("HARVEST_INSTANCE_ID", instanceId);
        return new AppProcess(pb.start(), log);
    }

    /** {@code kill -9}: no shutdown hook, no release of anything. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** {@code kill -STOP}: the JVM freezes as a whole (no renewals, no heartbeats) until {@link #resume()}. */
    public void suspend() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** {@code kill -CONT}. */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** The metrics port this run logged ({@code metrics and health on port N}), or -1 before it did. */
    public int metricsPort() throws IOException {
        Matcher m = METRICS_PORT.matcher(output());
        int port = -1;
        while (m.find()) {
            port = Integer.parseInt(m.group(1));
        }
        return port;
    }

    /** GET {@code path} on this run's metrics port; the status code and body, or {@code null} when unreachable. */
    public HttpResponse<String> get(String path) throws IOException {
        int port = metricsPort();
        if (port < 0 || !isAlive()) {
            return null;
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(java.time.Duration.ofSeconds(2)).build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** True once {@code /health/ready} answers 200: every lane's streams are running. */
    public boolean isReady() throws IOException {
        HttpResponse<String> r = get("/health/ready");
        return r != null && r.statusCode() == 200;
    }

    /** The sum of all series of the Prometheus meter {@code name}, e.g. harvest_leases_lost_total; NaN if unreachable. */
    public double metricSum(String name) throws IOException {
        HttpResponse<String> r = get("/metrics");
        if (r == null) {
            return Double.NaN;
        }
        // A name with an opening brace and first labels (e.g. {@code m{area="heap"}) matches by prefix.
        return r.body().lines().filter(l -> name.contains("{") ? l.startsWith(name)
                        : l.startsWith(name + "{") || l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
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
