package dev.harvest.cli;

import dev.harvest.app.AppOptions;
import dev.harvest.app.HarvestApp;
import dev.harvest.app.TopicAdmin;
import dev.harvest.config.PipelineConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code harvest run}: runs the pipeline against the Kafka (and Redis) named in the file until stopped. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the pipeline against the Kafka and Redis in the pipeline file until SIGTERM/Ctrl-C.")
final class RunCommand implements Callable<Integer> {

    @Mixin
    PipelineOption pipeline;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Kafka Streams state directory "
            + "(default: $HARVEST_STATE_DIR or ./harvest-state)")
    Path stateDir;

    @Option(names = "--threads", defaultValue = "" + AppOptions.DEFAULT_STREAM_THREADS,
            description = "Stream threads per app (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--metrics-port", paramLabel = "PORT", description = "Overrides metricsPort of the file")
    Integer metricsPort;

    @Option(names = "--admission", defaultValue = "redis",
            description = "Where keys and permits are held: redis (shared) or local (this process only)")
    String admission;

    @Option(names = "--create-topics", description = "Create missing topics before starting")
    boolean createTopics;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", defaultValue = "${env:HARVEST_DRAIN_TIMEOUT:-20s}",
            description = "On SIGTERM, how long attempts already calling their handler may take to finish before the"
                    + " rest is handed back (default: $HARVEST_DRAIN_TIMEOUT or 20s; 0s hands back at once)")
    String drainTimeout;

    @Override
    public Integer call() throws InterruptedException {
        Duration drain = drainTimeout();
        PipelineConfig config = pipeline.load();
        if (metricsPort != null) {
            config = config.withMetricsPort(metricsPort);
        }
        if (createTopics) {
            TopicAdmin.createAll(config);
        }
        Path dir = stateDir != null ? stateDir : Path.of(System.getenv().getOrDefault("HARVEST_STATE_DIR", "harvest-state"));
        AppOptions options = AppOptions.defaults(dir).withAdmission(mode(admission)).withStreamThreads(threads)
                .withDrainTimeout(drain);
        CountDownLatch stopped = new CountDownLatch(1);
        HarvestApp app = HarvestApp.start(config, options);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "harvest-shutdown"));
        System.out.println("harvest running pipeline '" + config.pipeline() + "' against "
                + config.kafka().bootstrapServers() + "; metrics on port " + app.metricsPort());
        stopped.await();
        return 0;
    }

    private Duration drainTimeout() {
        Duration d = HarvestCli.duration("--drain-timeout", drainTimeout);
        if (d.isNegative()) {
            throw new IllegalArgumentException("--drain-timeout: must not be negative");
        }
        return d;
    }

    static AppOptions.AdmissionMode mode(String name) {
        return switch (name) {
            case "redis" -> AppOptions.AdmissionMode.REDIS;
            case "local" -> AppOptions.AdmissionMode.LOCAL;
            default -> throw new IllegalArgumentException("--admission must be redis or local, was '" + name + "'");
        };
    }
}
