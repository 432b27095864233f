package dev.harvest.bench;

import dev.harvest.client.ClientProperties;
import dev.harvest.config.KafkaSettings;
import dev.harvest.config.RedisSettings;
import dev.harvest.devstack.EmbeddedKafka;
import dev.harvest.devstack.FreePorts;
import dev.harvest.devstack.LocalRedis;
import dev.harvest.devstack.RedisInfo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The broker and Redis the benchmark runs against. By default the broker is a JVM of its own ({@code harvest dev}
 * in a child process, which also starts {@code redis-server}), as it is in production: the app's garbage
 * collection then stops the app alone, and the app's heap and RSS figures are the app's alone. With
 * {@code inProcess} the broker runs inside the benchmark's JVM. Or a cluster and Redis of the user's
 * ({@link ExternalStack}).
 */
interface BenchStack extends AutoCloseable {

    /** The cluster and its client settings (SASL, TLS and the like); the processing guarantee is not theirs to say. */
    KafkaSettings kafka();

    /** The Redis server and how to log in. */
    RedisSettings redis();

    default String bootstrapServers() {
        return kafka().bootstrapServers();
    }

    /** Settings every Kafka client of the benchmark starts from: the bootstrap address and the cluster's settings. */
    default Properties kafkaClient() {
        return ClientProperties.common(kafka());
    }

    /** The text of one section of Redis's {@code INFO}, for its counters ({@link RedisInfo}). */
    default String redisInfo(String section) {
        return RedisInfo.info("127.0.0.1", URI.create(redis().uri()).getPort(), section);
    }

    /** Where the broker runs, for the log and the figures: "own JVM", "in this JVM" or "external". */
    String brokerKind();

    /**
     * CPU time the broker's process has used so far (ns); -1 when it is not known here: the broker runs inside this
     * JVM (whose figure then includes it) or on a cluster of the user's.
     */
    default long brokerCpuNanos() {
        return -1;
    }

    /** The broker's process id; -1 when it has no process of its own on this machine. */
    default long brokerPid() {
        return -1;
    }

    /**
     * CPU time the JIT compiler threads of this JVM and the broker's have used so far (ns): part of the app's and
     * the broker's figures. -1 when unknown ({@link Compilers}).
     */
    default long compilerCpuNanos() {
        long app = Compilers.cpuNanos(ProcessHandle.current().pid());
        long broker = brokerPid() < 0 ? 0 : Compilers.cpuNanos(brokerPid());
        return app < 0 || broker < 0 ? -1 : app + broker;
    }

    @Override
    void close();

    /**
     * What {@code o} asks for. On a cluster of the user's, {@code runName} starts the names of all the run makes,
     * and {@code log} hears what closing removed.
     */
    static BenchStack start(BenchOptions o, String runName, Consumer<String> log) {
        return o.target() != null ? ExternalStack.connect(o.target(), runName, log)
                : start(o.brokerInProcess(), o.brokerJvmOptions());
    }

    /** @param brokerJvmOptions for the broker's JVM, after Kafka's settings; only with {@code inProcess} false */
    static BenchStack start(boolean inProcess, List<String> brokerJvmOptions) {
        return inProcess ? InProcess.start() : ChildProcess.start(brokerJvmOptions);
    }

    /** Settings of a broker at {@code bootstrap} with no client settings, and of Redis at {@code uri}. */
    private static KafkaSettings plainKafka(String bootstrap) {
        return new KafkaSettings(bootstrap, Map.of(), -1, null);
    }

    private static RedisSettings plainRedis(String uri) {
        return new RedisSettings(uri, Duration.ofSeconds(2));
    }

    /** Broker in this JVM, Redis as a child process. */
    record InProcess(EmbeddedKafka broker, LocalRedis redisServer) implements BenchStack {
        static InProcess start() {
            EmbeddedKafka kafka = EmbeddedKafka.start(0);
            try {
                return new InProcess(kafka, LocalRedis.start());
            } catch (RuntimeException e) {
                kafka.close();
                throw e;
            }
        }

        @Override
        public KafkaSettings kafka() {
            return plainKafka(broker.bootstrapServers());
        }

        @Override
        public RedisSettings redis() {
            return plainRedis(redisServer.uri());
        }

        @Override
        public String brokerKind() {
            return "in this JVM";
        }

        @Override
        public void close() {
            redisServer.close();
            broker.close();
        }
    }

    /** {@code harvest dev} in a child JVM, started from this JVM's own class path on free ports. */
    final class ChildProcess implements BenchStack {
        private static final long START_TIMEOUT_SECONDS = 120;
        private final Process process;
        private final String bootstrap;
        private final String redisUri;

        private ChildProcess(Process process, String bootstrap, String redisUri) {
            this.process = process;
            this.bootstrap = bootstrap;
            this.redisUri = redisUri;
        }

        static ChildProcess start(List<String> jvmOptions) {
            int kafkaPort = FreePorts.pick();
            int redisPort = FreePorts.pick();
            // The JVM settings Kafka's own start script gives a broker (kafka-run-class.sh, kafka-server-start.sh).
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
                    "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent"));
            cmd.addAll(jvmOptions);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.harvest.cli.HarvestCli", "dev",
                    "--kafka-port", Integer.toString(kafkaPort), "--redis-port", Integer.toString(redisPort),
                    "--exit-with-parent")); // if this JVM is killed, the broker and Redis do not outlive it
            Process p;
            try {
                p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the broker process", e);
            }
            // The child prints its addresses once both are up; what it prints after that is read and dropped.
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<List<String>> started = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                List<String> lines = new ArrayList<>();
                try {
                    String line;
                    while ((line = out.readLine()) != null) {
                        if (!started.isDone()) {
                            lines.add(line);
                            if (line.startsWith("Redis:")) {
                                started.complete(lines);
                            }
                        }
                    }
                } catch (IOException ignored) {
                    // the child ended
                }
                started.completeExceptionally(new IllegalStateException("it ended: " + String.join(" | ", lines)));
            }, "bench-stack-output");
            reader.setDaemon(true);
            reader.start();
            List<String> lines;
            try {
                lines = started.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new IllegalStateException("interrupted while the broker process started", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("the broker process did not start: " + e.getCause().getMessage(), e);
            } catch (TimeoutException e) {
                p.destroyForcibly();
                throw new IllegalStateException("the broker process did not start within " + START_TIMEOUT_SECONDS
                        + " s", e);
            }
            return new ChildProcess(p, printed(lines, "Kafka:"), printed(lines, "Redis:"));
        }

        @Override
        public KafkaSettings kafka() {
            return plainKafka(bootstrap);
        }

        @Override
        public RedisSettings redis() {
            return plainRedis(redisUri);
        }

        @Override
        public String brokerKind() {
            return "own JVM";
        }

        @Override
        public long brokerCpuNanos() {
            return process.toHandle().info().totalCpuDuration().map(Duration::toNanos)
                    .orElseThrow(() -> new IllegalStateException("the broker process's CPU time is not readable"));
        }

        @Override
        public long brokerPid() {
            return process.pid();
        }

        @Override
        public void close() {
            process.destroy(); // SIGTERM: its shutdown hook stops Redis and the broker
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }

        /** The address on a line such as {@code Redis:  redis://127.0.0.1:6379   (export ...)}. */
        private static String printed(List<String> lines, String label) {
            return lines.stream().filter(l -> l != null && l.startsWith(label)).findFirst()
                    .map(l -> l.substring(label.length()).trim().split("\\s+")[0])
                    .orElseThrow(() -> new IllegalStateException("the broker process did not print its " + label));
        }
    }
}
