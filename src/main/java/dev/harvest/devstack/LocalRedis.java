package dev.harvest.devstack;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import redis.embedded.core.ExecutableProvider;

/**
 * A throwaway Redis for the demo, {@code harvest dev} and tests: {@code redis-server} from the PATH when there is
 * one, else the binary bundled with embedded-redis (Redis 6.2). Listens on 127.0.0.1 only, persists nothing.
 * {@link #restart()} brings it back empty on the same port (for restart tests); {@link #kill()} ends it with
 * SIGKILL. Started servers are stopped when the JVM exits.
 */
public final class LocalRedis implements AutoCloseable {

    private static final long START_TIMEOUT_MS = 10_000;

    private final Path binary;
    private final boolean embedded;
    private final int port;
    private final List<String> extraArgs;
    private final Path workDir;
    private Process process;
    private final Thread shutdownHook;

    private LocalRedis(Path binary, boolean embedded, int port, List<String> extraArgs) throws IOException {
        this.binary = binary;
        this.embedded = embedded;
        this.port = port;
        this.extraArgs = List.copyOf(extraArgs);
        this.workDir = Files.createTempDirectory("harvest-redis-");
        this.shutdownHook = new Thread(this::destroy, "local-redis-" + port + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts Redis on a free port. */
    public static LocalRedis start() {
        return start(List.of());
    }

    /**
     * Starts Redis on a free port with more server options, e.g. {@code --requirepass}, {@code --user} or the
     * {@code --tls-*} ones. The plain port stays open (it is how readiness is checked; with a password it answers
     * {@code NOAUTH}).
     */
    public static LocalRedis start(List<String> extraArgs) {
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return start(FreePorts.pick(), extraArgs);
            } catch (IllegalStateException e) {
                last = e; // the free port was taken between probing and binding: try another
            }
        }
        throw last;
    }

    /** Starts Redis on {@code port}; fails when it does not answer PING within 10 s. */
    public static LocalRedis start(int port) {
        return start(port, List.of());
    }

    private static LocalRedis start(int port, List<String> extraArgs) {
        try {
            Path onPath = findOnPath("redis-server");
            LocalRedis redis = onPath != null ? new LocalRedis(onPath, false, port, extraArgs)
                    : new LocalRedis(ExecutableProvider.newJarResourceProvider().get().toPath(), true, port, extraArgs);
            try {
                redis.launch();
            } catch (RuntimeException e) {
                redis.stop();
                throw e;
            }
            return redis;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a local redis-server", e);
        }
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** True when the bundled binary runs because no redis-server is on the PATH. */
    public boolean isEmbeddedBinary() {
        return embedded;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops (SIGTERM, then SIGKILL after 5 s) and starts again, empty, on the same port. */
    public synchronized void restart() {
        destroy();
        launch();
    }

    /** Ends the server abruptly (SIGKILL), as a crash would; {@link #restart()} can bring it back. */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            waitFor(process, 5_000);
            process = null;
        }
    }

    public synchronized void stop() {
        destroy();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down
        }
        deleteQuietly(workDir);
    }

    @Override
    public void close() {
        stop();
    }

    private synchronized void launch() {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--port", Integer.toString(port), "--bind",
                "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", workDir.toString()));
        command.addAll(extraArgs);
        Path log = workDir.resolve("redis.log");
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary, e);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
        while (System.nanoTime() - deadline < 0) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server on port " + port + " exited: " + tail(log));
            }
            if (ping(port)) {
                return;
            }
            sleep(10);
        }
        process.destroyForcibly();
        throw new IllegalStateException("redis-server on port " + port + " did not answer PING: " + tail(log));
    }

    private synchronized void destroy() {
        if (process != null) {
            process.destroy();
            if (!waitFor(process, 5_000)) {
                process.destroyForcibly();
                waitFor(process, 5_000);
            }
            process = null;
        }
    }

    /** A raw-socket PING: devstack does not use the Redis client library. */
    static boolean ping(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[7];
            int n = in.readNBytes(buffer, 0, 7);
            String reply = new String(buffer, 0, n, StandardCharsets.US_ASCII);
            return reply.startsWith("+PONG") || reply.startsWith("-NOAUTH");
        } catch (IOException e) {
            return false;
        }
    }

    private static Path findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static boolean waitFor(Process p, long millis) {
        try {
            return p.waitFor(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting redis", e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }

    @Override
    public String toString() {
        return "LocalRedis[" + uri() + (embedded ? ", embedded binary" : "") + "]";
    }
}
