package dev.harvest.app;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * How to run a pipeline in this process.
 *
 * @param stateDir       where Kafka Streams keeps its state stores (one subdirectory per app)
 * @param instanceId     stable instance id (static membership); null for dynamic membership
 * @param streamThreads  stream threads per app ({@value #DEFAULT_STREAM_THREADS} unless set)
 * @param serveMetrics   whether to serve {@code /metrics} and {@code /health/*}
 * @param admission      where keys and permits are held
 * @param drainInterval  how often completions are routed when no record arrives
 * @param shutdownBound  how long closing the stream apps may take, after the drain
 * @param drainTimeout   how long, on a graceful stop, attempts already calling their handler may take to finish
 *                       and be routed before the rest is handed back; zero hands everything back at once
 */
public record AppOptions(Path stateDir, String instanceId, int streamThreads, boolean serveMetrics,
                         AdmissionMode admission, Clock clock, Duration drainInterval, Duration shutdownBound,
                         Duration drainTimeout) {

    /**
     * Stream threads per app unless set. Under exactly-once a stream thread takes in no record while it commits
     * (about a fifth of its time at 8,000 tasks a second); with two, one thread's partitions keep flowing to
     * admission while the other commits, so a commit stops half a lane's intake, not all of it.
     */
    public static final int DEFAULT_STREAM_THREADS = 2;

    /** Where keys and permits are held. */
    public enum AdmissionMode {
        /** In this JVM only: a single instance, for tests and local experiments. */
        LOCAL,
        /** In Redis, shared by every instance. */
        REDIS
    }

    public static AppOptions defaults(Path stateDir) {
        return new AppOptions(stateDir, System.getenv("HARVEST_INSTANCE_ID"), DEFAULT_STREAM_THREADS, true,
                AdmissionMode.REDIS, Clock.systemUTC(), Duration.ofMillis(20), Duration.ofSeconds(30),
                Duration.ofSeconds(20));
    }

    public AppOptions withAdmission(AdmissionMode mode) {
        return new AppOptions(stateDir, instanceId, streamThreads, serveMetrics, mode, clock, drainInterval,
                shutdownBound, drainTimeout);
    }

    public AppOptions withStreamThreads(int threads) {
        return new AppOptions(stateDir, instanceId, threads, serveMetrics, admission, clock, drainInterval,
                shutdownBound, drainTimeout);
    }

    public AppOptions withServeMetrics(boolean serve) {
        return new AppOptions(stateDir, instanceId, streamThreads, serve, admission, clock, drainInterval,
                shutdownBound, drainTimeout);
    }

    public AppOptions withDrainTimeout(Duration timeout) {
        return new AppOptions(stateDir, instanceId, streamThreads, serveMetrics, admission, clock, drainInterval,
                shutdownBound, timeout);
    }
}
