package dev.harvest.execution;

import dev.harvest.config.HandlerConfig;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Builds the built-in handlers from their config by {@code kind} ({@code http}, {@code simulated}).
 *
 * <p>All handlers made by one factory share one HTTP client and one scheduler, which the factory owns:
 * {@link #close()} shuts down their threads, so close the factory after the handlers' last use.
 */
public final class HandlerFactory implements AutoCloseable {

    private static final int SCHEDULER_THREADS = 2;

    private final ExecutorService httpExecutor;
    private final HttpClient httpClient;
    private final ScheduledExecutorService scheduler;
    private final SplittableRandom seeds;
    private final Clock clock;

    /** A factory with the default connect timeout and unseeded (thread-local) randomness. */
    public HandlerFactory() {
        this(HttpTaskHandler.DEFAULT_CONNECT_TIMEOUT, null, Clock.systemUTC());
    }

    /**
     * @param connectTimeout connect timeout of the shared HTTP client
     * @param seed           seeds the simulated handlers' draws (each handler gets its own split
     *                       generator) for reproducible runs; {@code null} for thread-local randomness
     * @param clock          used to read HTTP-date {@code Retry-After} values
     */
    public HandlerFactory(Duration connectTimeout, Long seed, Clock clock) {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.httpExecutor = Executors.newCachedThreadPool(daemonThreads("harvest-http-"));
        this.httpClient = HttpTaskHandler.newClient(connectTimeout, httpExecutor);
        this.scheduler = Executors.newScheduledThreadPool(SCHEDULER_THREADS, daemonThreads("harvest-sim-"));
        this.seeds = seed == null ? null : new SplittableRandom(seed);
    }

    /** The handler for {@code config}. */
    public TaskHandler create(HandlerConfig config) {
        Objects.requireNonNull(config, "config");
        return switch (config.kind()) {
            case "http" -> new HttpTaskHandler(config, httpClient, clock);
            case "simulated" -> new SimulatedTaskHandler(config, scheduler, nextGenerator());
            default -> throw new IllegalArgumentException("unknown handler kind: " + config.kind());
        };
    }

    /** One handler per task type, in the map's order (e.g. {@code PipelineConfig.handlers()}). */
    public Map<String, TaskHandler> createAll(Map<String, HandlerConfig> configs) {
        Map<String, TaskHandler> handlers = new LinkedHashMap<>();
        configs.forEach((type, config) -> handlers.put(type, create(config)));
        return Collections.unmodifiableMap(handlers);
    }

    /** The HTTP client the {@code http} handlers share. */
    public HttpClient httpClient() {
        return httpClient;
    }

    /** The scheduler the {@code simulated} handlers share. */
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** Stops the shared threads; attempts still pending then complete as {@code RetryLater} or never. */
    @Override
    public void close() {
        scheduler.shutdownNow();
        httpExecutor.shutdown();
        try {
            if (!httpExecutor.awaitTermination(2, TimeUnit.SECONDS)) {
                httpExecutor.shutdownNow();
            }
        } catch (InterruptedException e) {
            httpExecutor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private SplittableRandom nextGenerator() {
        if (seeds == null) {
            return null;
        }
        synchronized (seeds) {
            return seeds.split();
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
