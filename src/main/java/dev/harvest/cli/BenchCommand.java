package dev.harvest.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.harvest.app.AppOptions;
import dev.harvest.bench.BenchOptions;
import dev.harvest.bench.BenchRunner;
import dev.harvest.bench.BenchTarget;
import dev.harvest.config.ConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code harvest bench}: figures for the permit-bound limit, coordination overhead, Redis cost and memory. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark on an embedded broker (in a JVM of its own) and Redis, or on a cluster and Redis"
                + " of yours: efficiency against P/L, overhead against a plain Kafka Streams pass-through, Redis calls"
                + " per task, memory with many tasks in flight.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--tasks", defaultValue = "40000", description = "Measured tasks per scenario (default: ${DEFAULT-VALUE})")
    int tasks;

    @Option(names = "--warmup", defaultValue = "200000", description = "Warm-up tasks per scenario (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--latency-ms", defaultValue = "20", description = "Handler latency L (default: ${DEFAULT-VALUE})")
    long latencyMs;

    @Option(names = "--permits", defaultValue = "200", description = "Permits P (default: ${DEFAULT-VALUE})")
    int permits;

    @Option(names = "--partitions", defaultValue = "6", description = "Lane partitions (default: ${DEFAULT-VALUE})")
    int partitions;

    @Option(names = "--in-flight", defaultValue = "10000", description = "Tasks in flight for the memory figure")
    int inFlight;

    @Option(names = "--guarantee", defaultValue = "exactly_once_v2", description = "processing.guarantee")
    String guarantee;

    @Option(names = "--admission", defaultValue = "redis", description = "redis (default) or local")
    String admission;

    @Option(names = "--threads", defaultValue = "" + AppOptions.DEFAULT_STREAM_THREADS,
            description = "Stream threads per app (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--max-in-flight", defaultValue = "0",
            description = "The lane's maxInFlight (default: 8 x permits, at least 256)")
    int maxInFlight;

    @Option(names = "--broker-in-process",
            description = "Run the broker inside this JVM (default: in a JVM of its own, as in production)")
    boolean brokerInProcess;

    @Option(names = "--repeats", defaultValue = "3",
            description = "Measurements per scenario after its warm-up; rates are their median (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--timeline", paramLabel = "FILE",
            description = "Write what the lane did while tasks were offered at a steady rate, per 100 ms, as CSV")
    Path timeline;

    @Option(names = "--settle-s", defaultValue = "120", description = "After the warm-up tasks, go on warming up"
            + " until the JIT compilers settle, for at most this many seconds per scenario; 0 for no more"
            + " (default: ${DEFAULT-VALUE})")
    int settleSeconds;

    @Option(names = "--broker-jvm-options", paramLabel = "OPTIONS", defaultValue = "",
            description = "JVM options for the broker's JVM, separated by spaces, after Kafka's start-script settings"
                    + " (1 GiB heap, G1, 20 ms pause goal; a later option wins)")
    String brokerJvmOptions;

    @Option(names = "--bootstrap", paramLabel = "SERVERS",
            description = "Run against this Kafka cluster (host:port[,host:port]) instead of starting a broker; needs"
                    + " --redis-uri. The run's topics, groups and Redis keys are named bench-<id>-... and removed at the end")
    String bootstrap;

    @Option(names = "--redis-uri", paramLabel = "URI", description = "The Redis to use with --bootstrap")
    String redisUri;

    @Option(names = {"-t", "--topology"}, paramLabel = "FILE",
            description = "Run against the Kafka cluster and Redis of this pipeline file (its kafka and redis"
                    + " sections, with their client settings and passwords; its lanes and handlers are not used)")
    Path topology;

    @Option(names = "--dedupe-window", paramLabel = "DURATION", defaultValue = "0ms",
            description = "The lane's dedupe window (e.g. 10m); above zero, each task carries an idempotency key"
                    + " checked against it (default: ${DEFAULT-VALUE}, no keys)")
    String dedupeWindow;

    @Option(names = "--json", description = "Make the last line of output one JSON object with the figures")
    boolean json;

    /** The cluster and Redis given by --bootstrap and --redis-uri or by --topology; null for the embedded ones. */
    BenchTarget target() {
        if (topology != null) {
            if (bootstrap != null || redisUri != null) {
                throw new IllegalArgumentException("--topology names the cluster and Redis itself; leave out --bootstrap"
                        + " and --redis-uri");
            }
            return BenchTarget.of(topology);
        }
        if (bootstrap == null && redisUri == null) {
            return null;
        }
        if (bootstrap == null || bootstrap.isBlank() || redisUri == null || redisUri.isBlank()) {
            throw new IllegalArgumentException(bootstrap == null || bootstrap.isBlank()
                    ? "--redis-uri needs --bootstrap (the benchmark's own broker comes with its own Redis)"
                    : "--bootstrap needs --redis-uri (the Redis to use beside that cluster)");
        }
        try {
            return BenchTarget.of(bootstrap, redisUri);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("--redis-uri: " + e.problem(), e);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (tasks <= 0 || warmup < 0 || latencyMs <= 0 || permits <= 0 || partitions <= 0 || inFlight <= 0
                || threads <= 0 || maxInFlight < 0 || repeats <= 0 || settleSeconds < 0) {
            throw new IllegalArgumentException("--tasks, --latency-ms, --permits, --partitions, --in-flight, --threads"
                    + " and --repeats must be > 0, --warmup, --max-in-flight and --settle-s >= 0");
        }
        Map<String, Object> figures = new BenchRunner(new BenchOptions(tasks, warmup, latencyMs, permits, partitions,
                inFlight, guarantee, RunCommand.mode(admission) == AppOptions.AdmissionMode.LOCAL, threads,
                maxInFlight, brokerInProcess, repeats, timeline, settleSeconds,
                brokerJvmOptions.isBlank() ? List.of() : List.of(brokerJvmOptions.trim().split("\\s+")), target(),
                HarvestCli.duration("--dedupe-window", dedupeWindow)),
                System.out::println).run();
        figures.forEach((k, v) -> System.out.printf("%-22s %s%n", k, v));
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(figures));
        }
        return 0;
    }
}
