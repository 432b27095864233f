package dev.harvest.bench;

import dev.harvest.app.AppOptions;
import dev.harvest.app.HarvestApp;
import dev.harvest.app.OutcomeCollector;
import dev.harvest.app.Summaries;
import dev.harvest.app.TaskProducer;
import dev.harvest.app.TopicAdmin;
import dev.harvest.config.PipelineConfig;
import dev.harvest.devstack.RedisInfo;
import dev.harvest.devstack.TempDirs;
import dev.harvest.metrics.MetricNames;
import dev.harvest.topology.TopologyFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.apache.kafka.streams.KafkaStreams;

/**
 * {@code harvest bench}: measures the pipeline on an embedded broker and Redis. Scenarios: permit-bound
 * efficiency against the {@code P / L} limit, coordination overhead against a plain Kafka Streams
 * pass-through, Redis calls per task (server-side counters) and memory with many tasks in flight. Throughput is
 * measured draining a backlog written while the app was paused; latency with tasks offered at a steady rate.
 */
public final class BenchRunner {

    /** The light-load latency figure: this many tasks, offered at this rate. */
    private static final int LIGHT_TASKS = 200;
    private static final double LIGHT_RATE = 20;

    private final BenchOptions o;
    private final Consumer<String> log;
    /** Starts the names of the run's topics, consumer groups and Redis keys: unique, as a cluster may be shared. */
    private final String runName;
    private int run;

    public BenchRunner(BenchOptions options, Consumer<String> log) {
        this.o = options;
        this.log = log;
        this.runName = "bench-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
    }

    public Map<String, Object> run() throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        Path work = Files.createTempDirectory("harvest-bench-");
        try (BenchStack stack = BenchStack.start(o, runName, log)) {
            log.accept("broker " + stack.bootstrapServers() + " (" + stack.brokerKind() + "), redis "
                    + stack.redis().safeUri() + "; this run's topics, groups and keys are named " + runName + "-...");
            out.put("broker", stack.brokerKind());
            Map<String, Object> bound = measure(stack, work, scenario(stack, o.latencyMs()), o.latencyMs(), "bound");
            double limit = o.permits() * 1000.0 / o.latencyMs();
            out.put("limitPerSec", limit);
            out.put("achievedPerSec", bound.get("perSec"));
            out.put("achievedPerSecRuns", bound.get("perSecRuns"));
            out.put("efficiency", round((double) bound.get("perSec") / limit, 3));
            out.put("p50Ms", bound.get("p50Ms"));
            out.put("p99Ms", bound.get("p99Ms"));
            out.put("pacedPerSec", bound.get("pacedPerSec"));
            for (String k : List.of("pacedP50Ms", "pacedP99Ms", "pacedP99MsRuns", "pacedReadP50Ms", "pacedReadP99Ms",
                    "pacedCommitMs", "pacedCommitsPerSec", "pacedCommitRatio", "pacedPermitsHeld", "pacedPermitsIdleWhileWaiting",
                    "pacedStalledShare", "pacedLongestStallMs", "pacedGcMs", "lightP50Ms", "lightP99Ms", "lightReadP50Ms",
                    "lightReadP99Ms", "pacedAdmissionMs", "pacedHandlerMs", "pacedTransitMs", "lightAdmissionMs",
                    "lightHandlerMs", "lightTransitMs", "redisCallsPerTask",
                    "redisCommandsPerTask", "handOversPerTask")) {
                out.put(k, bound.get(k));
            }
            // And the paced and light figures only some runs have (by admission path with Redis admission).
            bound.forEach((k, v) -> {
                if (k.startsWith("paced") || k.startsWith("light")) {
                    out.putIfAbsent(k, v);
                }
            });
            out.putAll(costFigures(bound));
            PipelineConfig instantPipeline = scenario(stack, 0);
            Map<String, Object> instant = measure(stack, work, instantPipeline, 0, "pipeline");
            Passthrough baseline = new Passthrough(stack, runName + "-passthrough", o, work.resolve("pt"), log);
            Backlogs plain = baseline.plain();
            Backlogs stored = baseline.withStore();
            // Ratios of the rates as printed, so that they can be checked from the output.
            double passthrough = round(plain.perSec(), 1);
            out.put("pipelinePerSec", instant.get("perSec"));
            out.put("pipelinePerSecRuns", instant.get("perSecRuns"));
            out.put("passthroughPerSec", passthrough);
            out.put("passthroughPerSecRuns", plain.ratesAsPrinted());
            out.put("passthroughBacklog", Passthrough.backlog(o));
            out.put("overheadRatio", round((double) instant.get("perSec") / passthrough, 3));
            out.putAll(stored.rateAgainst("storePassthrough", passthrough));
            out.putAll(costFigures(instant));
            out.putAll(plain.costPerUnit("passthrough"));
            out.putAll(stored.costPerUnit("storePassthrough"));
            ResultSample sample = ResultSample.read(stack, instantPipeline.resultsTopic());
            out.putAll(ResultPassthroughs.measure(stack, baseline, sample, passthrough,
                    runName + "-ledger-passthrough", log));
            if (bound.get("pacedPerSec") instanceof Double rate) {
                log.accept("pass-through: " + o.tasks() * o.repeats() + " records paced at " + rate + "/s");
                Passthrough.Paced floor = baseline.paced(rate, o.tasks() * o.repeats());
                out.putAll(LatencyFigures.of("passthroughPaced", floor.latencies(), floor.read()));
                out.putAll(floor.commits());
                delayed(baseline, rate, sample, Integer.MAX_VALUE, "delayedPassthroughPaced", out);
                delayed(baseline, rate, sample, o.permits(), "permitPassthroughPaced", out);
            }
            out.putAll(new InFlightMemory(stack, runName + "-mem", o, work, log).measure());
        } finally {
            TempDirs.deleteQuietly(work);
        }
        return out;
    }

    /**
     * The paced latency and commits of a pass-through that forwards each record as a result once it has held one of
     * {@code permits} for the handler's latency ({@link Passthrough#pacedDelayed}).
     */
    private void delayed(Passthrough baseline, double rate, ResultSample sample, int permits, String figure,
                         Map<String, Object> out) {
        int n = o.tasks() * o.repeats();
        log.accept(figure + ": " + n + " records paced at " + rate + "/s, each forwarded as a result after holding one"
                + " of " + (permits == Integer.MAX_VALUE ? "unlimited" : Integer.toString(permits)) + " permits for "
                + o.latencyMs() + " ms");
        Passthrough.Paced delayed = baseline.pacedDelayed(rate, n, sample, o.latencyMs(), permits, figure);
        out.putAll(LatencyFigures.of(figure, delayed.latencies(), delayed.read()));
        out.putAll(delayed.commits());
    }

    /** The next scenario's pipeline, with a handler of {@code latencyMs}, under a name of its own. */
    private PipelineConfig scenario(BenchStack stack, long latencyMs) {
        return BenchPipelines.permitBound(runName + "-" + (++run), stack, o, latencyMs, o.laneMaxInFlight());
    }

    /**
     * @param config   the scenario's pipeline ({@link #scenario}), with a handler of {@code latencyMs}
     * @param scenario the prefix of the scenario's CPU figures
     */
    private Map<String, Object> measure(BenchStack stack, Path work, PipelineConfig config, long latencyMs,
                                        String scenario) {
        String name = config.pipeline();
        TopicAdmin.createAll(config);
        try (HarvestApp app = HarvestApp.start(config, appOptions(work.resolve(name), o));
             TaskProducer producer = new TaskProducer(config);
             OutcomeCollector collector = new OutcomeCollector(config)) {
            LatencyLog outcomes = new LatencyLog(collector);
            log.accept("scenario L=" + latencyMs + "ms: warm-up " + o.warmup() + " tasks");
            produceAndWait(producer, outcomes, "w", o.warmup(), o.warmup());
            // The warm-up's outcomes are not kept: rounds until the JIT compilers settle can add millions.
            outcomes.clear();
            Warmup.Result settling = Warmup.untilSettled(stack, o.settle(), "scenario L=" + latencyMs + "ms", log,
                    i -> {
                        produceAndWait(producer, outcomes, "s" + i, o.tasks(), o.tasks());
                        outcomes.clear();
                    });
            KafkaStreams lane = app.apps().get(TopologyFactory.laneAppId(config, config.lanes().get(0)));
            long[] before = RedisInfo.countsIn(stack.redisInfo("commandstats"));
            double handedBefore = handOvers(app);
            // Backlogs written while the lane is paused, drained as the pass-through's are.
            Backlogs backlogs = Backlogs.drain(stack, o.repeats(), o.tasks(), i -> {
                lane.pause();
                produce(producer, "m" + i, o.tasks());
            }, lane::resume, i -> awaitOutcomes(outcomes, (i + 1) * o.tasks()));
            int expected = o.repeats() * o.tasks();
            long[] after = RedisInfo.countsIn(stack.redisInfo("commandstats"));
            double measured = backlogs.count();
            double handed = handOvers(app) - handedBefore;
            List<Long> lat = LatencyFigures.sorted(outcomes.latencies("m"));
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("perSec", round(backlogs.perSec(), 1));
            r.put("perSecRuns", backlogs.ratesAsPrinted());
            r.put("p50Ms", Summaries.pct(lat, 50));
            r.put("p99Ms", Summaries.pct(lat, 99));
            r.put("redisCallsPerTask", round((after[0] - before[0]) / measured, 3));
            r.put("redisCommandsPerTask", round((after[1] - before[1]) / measured, 2));
            r.put("handOversPerTask", round(handed / measured, 3));
            r.putAll(backlogs.costPerUnit(scenario));
            r.put(scenario + "WarmupTasks", o.warmup() + (long) settling.rounds() * o.tasks());
            if (latencyMs > 0) {
                // Latency is judged at 80 % of the limit, offered at a steady rate rather than as one burst.
                double rate = 0.8 * o.permits() * 1000.0 / latencyMs;
                r.put("pacedPerSec", round(rate, 1));
                long[] startedAt = new long[o.repeats()];
                List<Timeline.Sample> samples;
                StageTimes pacedStages = StageTimes.from(app.registry());
                Commits pacedCommits = Commits.from(lane);
                try (Timeline timeline = Timeline.start(producer::acknowledged, app.registry(), lane,
                        o.timeline() != null)) {
                    for (int i = 0; i < o.repeats(); i++) {
                        log.accept("scenario L=" + latencyMs + "ms: " + o.tasks() + " tasks paced at " + round(rate, 1)
                                + "/s");
                        startedAt[i] = System.currentTimeMillis();
                        expected += o.tasks();
                        offerPaced(producer, outcomes, "p" + i, o.tasks(), rate, expected);
                    }
                    samples = timeline.samples();
                }
                r.putAll(LatencyFigures.of(outcomes, "p", "paced"));
                r.put("pacedP99MsRuns", LatencyFigures.p99Each(outcomes,
                        IntStream.range(0, o.repeats()).mapToObj(i -> "p" + i).toList()));
                r.putAll(pacedStages.figures("paced", LatencyFigures.mean(outcomes, "p")));
                r.putAll(pacedCommits.figures("paced"));
                r.putAll(Timeline.figures(samples, o.permits(), "paced"));
                if (o.timeline() != null) {
                    TimelineCsv.write(o.timeline(), samples, TimelineCsv.offered(outcomes, startedAt, rate));
                    log.accept("timeline of the paced tasks written to " + o.timeline());
                }
                // And at light load: one task at a time, the stream thread idle in between.
                int light = Math.min(o.tasks(), LIGHT_TASKS);
                log.accept("scenario L=" + latencyMs + "ms: " + light + " tasks at " + LIGHT_RATE + "/s");
                expected += light;
                StageTimes lightStages = StageTimes.from(app.registry());
                offerPaced(producer, outcomes, "l", light, LIGHT_RATE, expected);
                r.putAll(LatencyFigures.of(outcomes, "l", "light"));
                r.putAll(lightStages.figures("light", LatencyFigures.mean(outcomes, "l")));
            }
            log.accept("scenario L=" + latencyMs + "ms: " + r);
            return r;
        }
    }

    /** A scenario's CPU and allocation figures, as {@link #measure} put them. */
    private static Map<String, Object> costFigures(Map<String, Object> scenario) {
        Map<String, Object> out = new LinkedHashMap<>();
        scenario.forEach((k, v) -> {
            if (k.endsWith("CpuUs") || k.endsWith("AllocKiB") || k.endsWith("WarmupTasks")) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** Leases handed from a finished task straight to a waiting one so far (Redis admission only). */
    private static double handOvers(HarvestApp app) {
        var counter = app.registry().find(MetricNames.LEASES_REUSED).counter();
        return counter == null ? 0 : counter.count();
    }

    static AppOptions appOptions(Path stateDir, BenchOptions o) {
        // No drain on close: the memory scenario stops with thousands of long attempts deliberately running.
        return AppOptions.defaults(stateDir).withServeMetrics(false).withAdmission(o.localAdmission()
                ? AppOptions.AdmissionMode.LOCAL : AppOptions.AdmissionMode.REDIS).withDrainTimeout(Duration.ZERO)
                .withStreamThreads(o.streamThreads());
    }

    private void produceAndWait(TaskProducer producer, LatencyLog outcomes, String prefix, int n,
                                int expectedTotal) {
        produce(producer, prefix, n);
        awaitOutcomes(outcomes, expectedTotal);
    }

    private void produce(TaskProducer producer, String prefix, int n) {
        for (int i = 0; i < n; i++) {
            sendTask(producer, prefix + "-" + i);
        }
        producer.flush();
    }

    /** Sends {@code n} tasks at {@code perSec} while reading outcomes until {@code expectedTotal} are in. */
    private void offerPaced(TaskProducer producer, LatencyLog outcomes, String prefix, int n,
                            double perSec, int expectedTotal) {
        Offering.whileReading(() -> {
            Offering.paced(n, perSec, i -> sendTask(producer, prefix + "-" + i));
            producer.flush();
        }, () -> awaitOutcomes(outcomes, expectedTotal));
    }

    private void sendTask(TaskProducer producer, String id) {
        producer.sendJson("main", taskJson(id, !o.dedupeWindow().isZero()));
    }

    /** A task of the benchmark's handler; {@code keyed}, it carries its id as its idempotency key too. */
    static String taskJson(String id, boolean keyed) {
        return "{\"id\":\"" + id + "\",\"type\":\"work\"" + (keyed ? ",\"idempotencyKey\":\"" + id + "\"}" : "}");
    }

    private static void awaitOutcomes(LatencyLog outcomes, int expectedTotal) {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (outcomes.count() < expectedTotal && System.nanoTime() < deadline) {
            outcomes.poll(Duration.ofMillis(50));
        }
        if (outcomes.count() < expectedTotal) {
            throw new IllegalStateException("benchmark did not drain: " + outcomes.count() + " of "
                    + expectedTotal);
        }
    }

    static double round(double v, int places) {
        double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }
}
