package dev.harvest.app;

import dev.harvest.config.LaneConfig;
import dev.harvest.config.PipelineConfig;
import dev.harvest.execution.DispatchMetrics;
import dev.harvest.execution.Drain;
import dev.harvest.execution.HandlerBinding;
import dev.harvest.execution.HandlerBreaker;
import dev.harvest.execution.HandlerFactory;
import dev.harvest.execution.LaneGate;
import dev.harvest.execution.TaskDispatcher;
import dev.harvest.lease.ConfigSecretResolver;
import dev.harvest.lease.redis.RedisAdmissionControl;
import dev.harvest.metrics.MetricsServer;
import dev.harvest.metrics.PrometheusRegistries;
import dev.harvest.retry.RetryPolicy;
import dev.harvest.task.Lane;
import dev.harvest.topology.LaneMetrics;
import dev.harvest.topology.LaneProcessor;
import dev.harvest.topology.LaneRuntime;
import dev.harvest.topology.OutcomeRouter;
import dev.harvest.topology.TopologyFactory;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaClientSupplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: one {@link KafkaStreams} app per lane and one for the retry tiers, the JVM-wide
 * dispatcher and handlers, the admission control, and the metrics endpoint.
 */
public final class HarvestApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HarvestApp.class);
    /**
     * Longest a lane's {@code process()} waits for room. Under exactly-once the thread's transaction stays open
     * meanwhile, and Kafka Streams' producers abort a transaction after 10 s ({@code transaction.timeout.ms}):
     * the instance is fenced and its in-flight work runs again. A thread may wait once per partition before it
     * commits, so the wait stays a small part of that.
     */
    private static final Duration LANE_MAX_BLOCK = Duration.ofSeconds(2);

    private final PipelineConfig config;
    private final AppOptions options;
    private final PrometheusMeterRegistry registry = PrometheusRegistries.create();
    private final ScheduledExecutorService scheduler;
    private final Admission admission;
    private final HandlerFactory handlers;
    private final Map<String, HandlerBinding> bindings;
    private final TaskDispatcher dispatcher;
    private final Map<String, KafkaStreams> apps = new LinkedHashMap<>();
    private final AppHealth health = new AppHealth(apps);
    /** One admin client for the instance: the lanes' end offsets at take-over, and the lag job. */
    private Admin admin;
    private MetricsServer metricsServer;
    private ClusterJobs clusterJobs;

    private HarvestApp(PipelineConfig config, AppOptions options) {
        ConfigSecretResolver.checkAvailable(config.keyPools(), System::getenv);
        this.config = config;
        this.options = options;
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(2, daemon("harvest-scheduler"));
        timers.setRemoveOnCancelPolicy(true); // a cancelled timeout leaves the queue at once, not when it was due
        this.scheduler = timers;
        this.admission = Admission.create(config, options, registry, scheduler);
        this.handlers = new HandlerFactory();
        ExecutorService executor = Executors.newFixedThreadPool(
                Math.max(2, Runtime.getRuntime().availableProcessors()), daemon("harvest-dispatch"));
        this.bindings = Bindings.of(config, handlers, options.clock());
        this.dispatcher = new TaskDispatcher(bindings, admission.control(),
                new ConfigSecretResolver(config.keyPools(), System::getenv, admission.secrets()),
                config.admissionWait(), options.clock(), executor, new DispatchMetrics(registry), admission.ledger());
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    /** Builds and starts every app of the pipeline; topics must exist (see {@link TopicAdmin}). */
    public static HarvestApp start(PipelineConfig config, AppOptions options) {
        HarvestApp app = new HarvestApp(config, options);
        try {
            app.startApps();
            return app;
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
    }

    private void startApps() {
        LaneMetrics laneMetrics = new LaneMetrics(registry);
        RetryPolicy retry = new RetryPolicy(config.retry(), config.retryTopics(), ThreadLocalRandom.current());
        OutcomeRouter router = new OutcomeRouter(config, retry, options.clock());
        admin = Admin.create(KafkaClientProperties.common(config));
        EndOffsets endOffsets = new EndOffsets(admin);
        for (int i = 0; i < config.lanes().size(); i++) {
            LaneConfig laneConfig = config.lanes().get(i);
            Lane lane = new Lane(laneConfig.name(), i);
            LaneGate gate = dispatcher.registerLane(lane, laneConfig.maxInFlight());
            LaneRuntime runtime = new LaneRuntime(config, laneConfig, lane, dispatcher, router, laneMetrics,
                    options.clock(), options.drainInterval(), LANE_MAX_BLOCK, endOffsets);
            Topology topology = TopologyFactory.lane(config, laneConfig, lc -> new LaneProcessor(runtime));
            add(TopologyFactory.laneAppId(config, laneConfig), topology,
                    LaneConsumer.clients(() -> gate.running() > 0, runtime.quickDrainInterval()));
        }
        add(TopologyFactory.retryAppId(config), TopologyFactory.retry(config, options.clock(), Duration.ofMillis(50)),
                null);
        if (config.batches()) {
            add(TopologyFactory.batchAppId(config), TopologyFactory.batches(config, options.clock(),
                    Duration.ofSeconds(1)), null);
        }
        if (options.serveMetrics()) {
            metricsServer = MetricsServer.start(config.metricsPort(), registry, health);
            LOG.info("metrics and health on port {}", metricsServer.port());
        }
        apps.values().forEach(KafkaStreams::start);
        if (admission.redis().isPresent() && admission.control() instanceof RedisAdmissionControl redisAdmission) {
            clusterJobs = new ClusterJobs(config, options, admission.redis().get(), redisAdmission, admin, apps,
                    registry, scheduler, breakers());
        }
    }

    /** The circuit breakers of this instance's handlers (handlers whose breaker is off have none). */
    public List<HandlerBreaker> breakers() {
        return bindings.values().stream().map(HandlerBinding::breaker).filter(Objects::nonNull).toList();
    }

    /** True while this instance leads the singleton job {@code job} (always false without Redis). */
    public boolean isLeader(String job) {
        return clusterJobs != null && clusterJobs.election().isLeader(job);
    }

    /** True while strict priority holds this instance's app of {@code lane} paused. */
    public boolean isLanePaused(String lane) {
        return clusterJobs != null && clusterJobs.lagView().isPaused(lane);
    }

    /** Adds an app; {@code clients} null for Kafka's own. */
    private void add(String appId, Topology topology, KafkaClientSupplier clients) {
        // An idle stream thread polls no longer than the drain interval, so that a completion waits for its
        // punctuator at most that long rather than Kafka's 100 ms (a lane's, while it runs attempts, less).
        var properties = KafkaClientProperties.streams(config, appId, options.stateDir().resolve(appId),
                options.instanceId(), options.streamThreads(), options.drainInterval());
        KafkaStreams streams = clients == null ? new KafkaStreams(topology, properties)
                : new KafkaStreams(topology, properties, clients);
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("stream thread of {} failed; replacing it", appId, e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        new KafkaStreamsMetrics(streams).bindTo(registry);
        apps.put(appId, streams);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public Map<String, KafkaStreams> apps() {
        return Map.copyOf(apps);
    }

    /** The in-flight gate of a lane in this instance (for tests and gauges). */
    public LaneGate laneGate(String lane) {
        return dispatcher.gate(lane);
    }

    public AppHealth health() {
        return health;
    }

    /** Port of the metrics endpoint, or -1 when it is not served. */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.port();
    }

    public PipelineConfig config() {
        return config;
    }

    @Override
    public void close() {
        // Leaving the group hands partitions over at once. A static member (instance id set) stays, so that a
        // restarted pod gets its partitions back without a rebalance.
        CloseOptions close = CloseOptions.timeout(options.shutdownBound()).withGroupMembershipOperation(
                options.instanceId() == null || options.instanceId().isBlank()
                        ? CloseOptions.GroupMembershipOperation.LEAVE_GROUP
                        : CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP);
        drainRunning();
        if (clusterJobs != null) {
            clusterJobs.close();
        }
        apps.values().parallelStream().forEach(s -> s.close(close));
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        dispatcher.close();
        handlers.close();
        admission.close();
        scheduler.shutdownNow();
        if (metricsServer != null) {
            metricsServer.close();
        }
        registry.close();
    }

    /**
     * The graceful part of a stop: no attempt starts any more, attempts already calling their handler finish and
     * are routed (for at most {@code drainTimeout}), the rest stays in the in-flight stores for the next owner.
     */
    private void drainRunning() {
        Drain drain = dispatcher.drain();
        drain.begin();
        long start = System.nanoTime();
        boolean settled;
        try {
            settled = drain.awaitSettled(options.drainTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            settled = false;
        }
        LOG.info("stopping: running attempts {} in {} ms; {} handed back to the next owner, {} still running",
                settled ? "finished" : "cut short", (System.nanoTime() - start) / 1_000_000,
                drain.handedBackCount(), drain.unsettled());
    }

    static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
