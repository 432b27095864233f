package dev.harvest.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.app.OutcomeCollector;
import dev.harvest.app.TaskProducer;
import dev.harvest.app.TopicAdmin;
import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;
import dev.harvest.config.RedisSettings;
import dev.harvest.devstack.MockProvider;
import dev.harvest.lease.KeyStatus;
import dev.harvest.lease.redis.RedisKeyPool;
import dev.harvest.lease.redis.RedisPermitSemaphore;
import dev.harvest.redis.RedisClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One chaos scenario's world: a recording provider with two keys, a pipeline file, N {@code harvest run} JVMs,
 * a producer and a collector of results and dead letters. {@link #verify} checks what every scenario promises
 * (each task ends exactly once, no key over its cap, no more than {@code permits} calls at once, permits and
 * key leases back to full) and prints the scenario's figures line.
 */
public final class ChaosFixture implements AutoCloseable {

    /** One task in a hundred carries a payload the provider rejects for good (400): it must be dead-lettered. */
    public static final int POISON_EVERY = 100;

    private final ChaosOptions options;
    private final Path dir;
    private final MockProvider provider;
    private final String pipeline;
    private final Path file;
    private final PipelineConfig config;
    private final List<AppProcess> instances = new ArrayList<>();
    private final TaskProducer producer;
    private final OutcomeCollector collector;
    private Thread background;
    private long faultAt;
    private double recoverySeconds;

    private ChaosFixture(ChaosOptions options, Path dir) throws Exception {
        this.options = options;
        this.dir = dir;
        this.provider = MockProvider.builder().rpsPerKey(options.rpsPerKey()).medianLatency(options.medianLatency())
                .errorRate(options.errorRate()).key("k1", "chaos-secret-1").key("k2", "chaos-secret-2").start();
        this.pipeline = TestPipelines.uniqueName("chaos-" + options.scenario());
        this.file = Files.createDirectories(dir).resolve("pipeline.yaml");
        Files.writeString(file, options.pipelineYaml(pipeline, provider.url()));
        this.config = new PipelineLoader(n -> null).load(file);
        TopicAdmin.createAll(config);
        for (int i = 0; i < options.instances(); i++) {
            instances.add(startInstance(i));
        }
        this.producer = new TaskProducer(config);
        this.collector = new OutcomeCollector(config);
    }

    /** Starts the provider, writes the pipeline file, creates the topics and starts the instances. */
    public static ChaosFixture start(ChaosOptions options, Path dir) throws Exception {
        return new ChaosFixture(options, dir);
    }

    public MockProvider provider() {
        return provider;
    }

    public AppProcess instance(int i) {
        return instances.get(i);
    }

    public int instanceCount() {
        return instances.size();
    }

    /** Starts instance {@code i} again on its own state directory (after a kill or a stop). */
    public AppProcess restart(int i) throws Exception {
        instances.get(i).close();
        AppProcess again = startInstance(i);
        instances.set(i, again);
        return again;
    }

    private AppProcess startInstance(int i) throws Exception {
        String id = Character.toString('a' + i);
        return AppProcess.start(file, dir.resolve(id), id, options.env());
    }

    /** Produces every task now, half to each lane. */
    public void produceAll() {
        for (int i = 0; i < options.tasks(); i++) {
            send(i);
        }
        producer.flush();
    }

    /** Produces the tasks at a steady pace over {@code spread} from a background thread, so load lasts. */
    public void produceOver(Duration spread) {
        long gap = spread.toNanos() / options.tasks();
        background = new Thread(() -> {
            long next = System.nanoTime();
            for (int i = 0; i < options.tasks(); i++) {
                send(i);
                next += gap;
                LockSupport.parkNanos(next - System.nanoTime()); // pacing of the load, not a wait for a condition
            }
            producer.flush();
        }, "chaos-producer");
        background.start();
    }

    private void send(int i) {
        String payload = i % POISON_EVERY == 7 ? "{\"poison\":true}" : "{\"n\":" + i + "}";
        producer.sendJson(i % 2 == 0 ? "high" : "low",
                "{\"id\":\"" + taskId(i) + "\",\"type\":\"fetch\",\"payload\":" + payload + "}");
    }

    /** The id of the {@code i}-th task. */
    private static String taskId(int i) {
        return "t" + i;
    }

    /** Waits until at least {@code fraction} of the tasks ended. */
    public void awaitEnded(double fraction, Duration atMost) {
        int target = (int) Math.ceil(options.tasks() * fraction);
        await().alias((int) (fraction * 100) + "% of the tasks ended").atMost(atMost)
                .until(() -> ended() >= target);
    }

    /** Marks the moment of the fault; recovery is measured from here to the last task's end. */
    public void faultNow() {
        faultAt = System.nanoTime();
    }

    /** Waits until every task ended; on a timeout the failure names what is missing and each instance's log tail. */
    public void awaitAllEnded(Duration atMost) throws Exception {
        try {
            await().alias("every task ended").atMost(atMost).pollInterval(Duration.ofMillis(100))
                    .until(() -> ended() >= options.tasks());
        } catch (ConditionTimeoutException e) {
            StringBuilder logs = new StringBuilder();
            for (int i = 0; i < instances.size(); i++) {
                String log = instances.get(i).output();
                logs.append("\n--- instance ").append(i).append(" (alive ").append(instances.get(i).isAlive())
                        .append(") ---\n").append(log.substring(Math.max(0, log.length() - 4000)));
            }
            throw new AssertionError("only " + collector.outcomes().size() + " of " + options.tasks() + " ended; "
                    + missing() + logs, e);
        }
        recoverySeconds = faultAt == 0 ? 0 : (System.nanoTime() - faultAt) / 1e9;
    }

    /** The first tasks that did not end, each with the provider calls and completions it got. */
    private String missing() {
        Map<String, Long> calls = provider.callsByTaskId();
        Map<String, Long> completions = provider.completionsByTaskId();
        List<String> ids = IntStream.range(0, options.tasks()).mapToObj(ChaosFixture::taskId)
                .filter(id -> !collector.outcomes().containsKey(id)).toList();
        return "not ended: " + ids.stream().limit(20).map(id -> id + " (provider calls " + calls.getOrDefault(id, 0L)
                + ", completed " + completions.getOrDefault(id, 0L) + ")").collect(Collectors.joining(", "))
                + (ids.size() > 20 ? ", …" : "");
    }

    private int ended() {
        collector.poll(Duration.ofMillis(200));
        return collector.outcomes().size();
    }

    /** Dead letters of tasks that were not poison, as "id attempts reason". */
    public List<String> unexpectedDeadLetters() {
        return collector.outcomes().values().stream().filter(o -> !o.completed())
                .filter(o -> Integer.parseInt(o.key().substring(1)) % POISON_EVERY != 7)
                .map(o -> o.key() + " " + o.attempts() + " " + o.reason()).sorted().toList();
    }

    /**
     * Checks the invariants every scenario promises and prints the figures line. Provider calls done twice are
     * allowed up to {@code duplicateBound}: work in flight at a fault is done again by the new owner.
     */
    public String verify(int duplicateBound) throws Exception {
        return verify(duplicateBound, 0);
    }

    /**
     * The same, with the provider's limits allowed {@code capSlack} more calls at once: calls that were on their
     * way out of a process when it froze reach the provider when it wakes, after their leases ran out.
     */
    public String verify(int duplicateBound, int capSlack) throws Exception {
        collector.poll(Duration.ofSeconds(2));
        String figures = figures();
        System.out.println(figures);
        assertThat(collector.outcomes()).as("every task ended").hasSize(options.tasks());
        assertThat(collector.duplicates()).as("every task ends exactly once").isZero();
        assertThat(provider.maxConcurrentTotal()).as("calls at once at the provider")
                .isLessThanOrEqualTo(options.permits() + capSlack);
        provider.keyStats().values().forEach(k -> assertThat(k.maxInFlight()).as("calls at once on " + k.keyId())
                .isLessThanOrEqualTo(options.perKey() + capSlack));
        assertThat(duplicateCalls()).as("work done twice at the provider").isLessThanOrEqualTo(duplicateBound);
        assertLeasesReturned();
        return figures;
    }

    /** The scenario's line of figures. */
    public String figures() {
        long completed = collector.outcomes().values().stream().filter(OutcomeCollector.Outcome::completed).count();
        long dead = collector.outcomes().size() - completed;
        return String.format(java.util.Locale.ROOT, "chaos %s: tasks %d, completed %d, dead-lettered %d, lost %d,"
                        + " duplicate provider calls %d, max concurrency %d/%d, recovery %.1f s", options.scenario(),
                options.tasks(), completed, dead, options.tasks() - collector.outcomes().size(), duplicateCalls(),
                provider.maxConcurrentTotal(), options.permits(), recoverySeconds);
    }

    private long duplicateCalls() {
        return provider.completionsByTaskId().values().stream().filter(n -> n > 1).count();
    }

    private void assertLeasesReturned() {
        try (RedisClients redis = RedisClients.connect(new RedisSettings(options.redisUri(), Duration.ofSeconds(1)))) {
            RedisPermitSemaphore permits = new RedisPermitSemaphore(redis, pipeline);
            RedisKeyPool pool = new RedisKeyPool(redis, pipeline);
            await().alias("permits and key leases back to full").atMost(Duration.ofSeconds(30))
                    .until(() -> permits.inUse("calls") == 0
                            && pool.list("pool").stream().mapToInt(KeyStatus::inUse).sum() == 0);
        }
    }

    @Override
    public void close() throws Exception {
        if (background != null) {
            background.join(TimeUnit.SECONDS.toMillis(30));
        }
        Path logs = Files.createDirectories(Path.of("target", "chaos-logs", pipeline));
        for (int i = 0; i < instances.size(); i++) {
            AppProcess p = instances.get(i);
            if (p.isAlive()) {
                p.resume();
            }
            p.close();
            // Kept after the run (the temporary directory is not): what each instance did, for a closer look.
            Files.writeString(logs.resolve(Character.toString('a' + i) + ".log"), p.output());
        }
        collector.close();
        producer.close();
        provider.close();
    }

    /** Something to measure while a fault lasts. */
    @FunctionalInterface
    public interface Sampler {
        void sample() throws Exception;
    }

    /** Lets a fault last for {@code duration} while reading outcomes and calling {@code sampler} twice a second. */
    public void during(Duration duration, Sampler sampler) throws Exception {
        long end = System.nanoTime() + duration.toNanos();
        while (end - System.nanoTime() > 0) {
            sampler.sample();
            collector.poll(Duration.ofMillis(Math.max(1, Math.min(500, (end - System.nanoTime()) / 1_000_000))));
        }
    }

    /** Lets a fault last for {@code duration}: the length of the fault, not a wait for a condition. */
    public static void lasting(Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        while (end - System.nanoTime() > 0) {
            LockSupport.parkNanos(end - System.nanoTime());
        }
    }

    /** Environment for every instance (e.g. the drain timeout of graceful stops). */
    public static Map<String, String> drainEnv(Duration drain) {
        return Map.of("HARVEST_DRAIN_TIMEOUT", drain.toSeconds() + "s");
    }
}
