package dev.harvest.app.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.app.KafkaClientProperties;
import dev.harvest.app.TaskProducer;
import dev.harvest.app.TopicAdmin;
import dev.harvest.config.PipelineConfig;
import dev.harvest.leader.LeaderToken;
import dev.harvest.leader.SingletonJob;
import dev.harvest.leader.redis.RedisLeaderElection;
import dev.harvest.lease.AdmissionRequest;
import dev.harvest.lease.redis.RedisAdmissionControl;
import dev.harvest.lease.redis.RedisKeyPool;
import dev.harvest.lease.redis.RedisPermitSemaphore;
import dev.harvest.metrics.MetricNames;
import dev.harvest.metrics.TagNames;
import dev.harvest.redis.RedisClients;
import dev.harvest.task.Lane;
import dev.harvest.testkit.RedisServerExtension;
import dev.harvest.testkit.TestKafka;
import dev.harvest.testkit.TestPipelines;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real singleton jobs (pool reaper and gauges, lane-lag monitor) on three instances sharing Redis and a
 * broker: each job runs on one instance at a time, never two at once, its leader gauge sums to at most 1 across
 * instances, and it moves on when its leader crashes or resigns — and keeps doing its work there.
 */
class SingletonJobsIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final Duration TTL = Duration.ofSeconds(1);
    private static final String HANDLER = "  work: { kind: simulated, latency: 5ms, keyPool: pool, permits: calls }";
    private static final List<String> JOBS = List.of(PoolReaperJob.NAME, LaneLagJob.NAME);

    /** One run of a job: who, with which token, when. */
    record Run(String job, int instance, long token, long startNanos, long endNanos) {
    }

    /** Wraps a real job to record its runs and catch two instances running it at once. */
    static final class Watched implements SingletonJob {
        private final int instance;
        private final SingletonJob job;
        private final List<Run> runs;
        private final Map<String, AtomicInteger> active;
        private final AtomicInteger overlaps;

        Watched(int instance, SingletonJob job, List<Run> runs, Map<String, AtomicInteger> active,
                AtomicInteger overlaps) {
            this.instance = instance;
            this.job = job;
            this.runs = runs;
            this.active = active;
            this.overlaps = overlaps;
        }

        @Override
        public String name() {
            return job.name();
        }

        @Override
        public Duration interval() {
            return Duration.ofMillis(200);
        }

        @Override
        public void run(LeaderToken token) throws Exception {
            if (!token.isValid()) {
                return;
            }
            AtomicInteger running = active.computeIfAbsent(job.name(), n -> new AtomicInteger());
            if (running.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            long start = System.nanoTime();
            try {
                job.run(token);
            } finally {
                running.decrementAndGet();
                runs.add(new Run(job.name(), instance, token.token(), start, System.nanoTime()));
            }
        }

        @Override
        public void stopped() {
            job.stopped();
        }
    }

    /** One app instance's share of the cluster jobs. */
    static final class Instance implements AutoCloseable {
        final RedisClients clients;
        final RedisAdmissionControl admission;
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        final Admin admin;
        final RedisLeaderElection election;

        Instance(int i, PipelineConfig config, List<Run> runs, Map<String, AtomicInteger> active,
                 AtomicInteger overlaps) {
            clients = RedisClients.connect(REDIS.settings());
            admission = new RedisAdmissionControl(clients, config, registry).start();
            admin = Admin.create(KafkaClientProperties.common(config));
            election = new RedisLeaderElection(clients, config.pipeline(), "i" + i, TTL, System::nanoTime, registry);
            PoolReaperJob reaper = new PoolReaperJob(config, admission, new RedisKeyPool(clients, config.pipeline()),
                    new RedisPermitSemaphore(clients, config.pipeline()), registry);
            election.register(new Watched(i, reaper, runs, active, overlaps));
            election.register(new Watched(i, new LaneLagJob(config, admin, clients.async()), runs, active, overlaps));
        }

        double leaderGauge(String job) {
            var g = registry.find(MetricNames.LEADER).tag(TagNames.JOB, job).gauge();
            return g == null ? 0 : g.value();
        }

        /** As if the process died: no release, no more renewals. */
        void crash() {
            clients.close();
        }

        @Override
        public void close() {
            election.close();
            admission.close();
            admin.close(Duration.ofSeconds(2));
            try {
                clients.close();
            } catch (RuntimeException ignored) {
                // crashed already
            }
        }
    }

    @Test
    void shouldRunEachJobOnOneInstanceAtATimeAndMoveItOnFailover() throws Exception {
        PipelineConfig config = TestPipelines.twoLanes(TestPipelines.uniqueName("jobs"), TestKafka.bootstrapServers(),
                HANDLER, 3);
        TopicAdmin.createAll(config);
        produce(config, "high", 7);
        produce(config, "low", 3);
        List<Run> runs = new CopyOnWriteArrayList<>();
        Map<String, AtomicInteger> active = new ConcurrentHashMap<>();
        AtomicInteger overlaps = new AtomicInteger();
        List<Instance> instances = new CopyOnWriteArrayList<>();
        Map<String, Double> maxLeaders = new ConcurrentHashMap<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread monitor = new Thread(() -> {
            while (watching.get()) {
                for (String job : JOBS) {
                    double sum = instances.stream().mapToDouble(in -> in.leaderGauge(job)).sum();
                    maxLeaders.merge(job, sum, Math::max);
                }
                Thread.onSpinWait();
            }
        });
        try (RedisClients probe = RedisClients.connect(REDIS.settings())) {
            for (int i = 0; i < 3; i++) {
                instances.add(new Instance(i, config, runs, active, overlaps));
            }
            monitor.start();
            RedisPermitSemaphore permits = new RedisPermitSemaphore(probe, config.pipeline());

            awaitLag(probe, config, 7, 3, 0);
            strandLeaseAndAwaitReaped(config, permits);

            // The leader of each job crashes: its leadership lapses and another instance carries on.
            long crashedAt = System.currentTimeMillis();
            Set<Instance> crashed = JOBS.stream().map(job -> leader(instances, job)).collect(Collectors.toSet());
            crashed.forEach(Instance::crash);
            for (String job : JOBS) {
                await().alias("a surviving instance leads " + job).atMost(Duration.ofSeconds(10))
                        .until(() -> instances.stream()
                                .anyMatch(in -> !crashed.contains(in) && in.election.isLeader(job)));
            }
            long deposed = runs.stream().filter(r -> r.job().equals(PoolReaperJob.NAME)).mapToLong(Run::token).min()
                    .orElseThrow();
            Instance survivor = instances.stream().filter(in -> !crashed.contains(in)).findFirst().orElseThrow();
            assertThat(survivor.admission.reapExpired(PoolReaperJob.NAME, deposed).toCompletableFuture()
                    .get(5, TimeUnit.SECONDS)).as("the reap script refuses a deposed leader's token").isEqualTo(-1);
            produce(config, "high", 2);
            awaitLag(probe, config, 9, 3, crashedAt);
            strandLeaseAndAwaitReaped(config, permits);

            // A clean resignation hands over at once, well inside the TTL.
            Instance leader = leader(instances, PoolReaperJob.NAME);
            long resignedAt = System.nanoTime();
            leader.election.close();
            await().alias("another instance leads the reaper after a resignation").atMost(TTL)
                    .until(() -> instances.stream().anyMatch(in -> in != leader && !crashed.contains(in)
                            && in.election.isLeader(PoolReaperJob.NAME)));
            assertThat(Duration.ofNanos(System.nanoTime() - resignedAt)).isLessThan(TTL);
        } finally {
            watching.set(false);
            monitor.join();
            instances.forEach(Instance::close);
        }
        assertThat(overlaps).as("never two instances running one job at once").hasValue(0);
        for (String job : JOBS) {
            assertThat(maxLeaders.get(job)).as("sum of %s{job=%s} over instances", MetricNames.LEADER, job)
                    .isLessThanOrEqualTo(1.0);
            assertRunsFenced(job, runs.stream().filter(r -> r.job().equals(job)).toList());
        }
    }

    private static void assertRunsFenced(String job, List<Run> ofJob) {
        Map<Long, Set<Integer>> byToken = ofJob.stream().collect(Collectors.groupingBy(Run::token,
                Collectors.mapping(Run::instance, Collectors.toSet())));
        assertThat(byToken.values()).as("each leadership (token) of %s ran on one instance", job)
                .allMatch(s -> s.size() == 1);
        assertThat(ofJob.stream().map(Run::instance).distinct().count()).as("%s moved on failover", job)
                .isGreaterThanOrEqualTo(2);
        List<Run> inOrder = ofJob.stream().sorted((a, b) -> Long.compare(a.startNanos(), b.startNanos())).toList();
        for (int i = 1; i < inOrder.size(); i++) {
            Run before = inOrder.get(i - 1);
            Run run = inOrder.get(i);
            assertThat(run.token()).as("%s tokens never go back", job).isGreaterThanOrEqualTo(before.token());
            if (run.token() != before.token()) {
                assertThat(run.startNanos()).as("%s: a new leader starts after the old one's last run ended", job)
                        .isGreaterThan(before.endNanos());
            }
        }
    }

    private static Instance leader(List<Instance> instances, String job) {
        await().alias("a leader for " + job).atMost(Duration.ofSeconds(10))
                .until(() -> instances.stream().anyMatch(in -> in.election.isLeader(job)));
        return instances.stream().filter(in -> in.election.isLeader(job)).findFirst().orElseThrow();
    }

    /** A holder takes a permit and dies; only the reaper (nobody else acquires) gives it back after its TTL. */
    private static void strandLeaseAndAwaitReaped(PipelineConfig config, RedisPermitSemaphore permits)
            throws Exception {
        RedisClients holderClients = RedisClients.connect(REDIS.settings());
        RedisAdmissionControl holder = new RedisAdmissionControl(holderClients, config, new SimpleMeterRegistry())
                .start();
        holder.acquire(new AdmissionRequest("stranded", new Lane("high", 0), "pool", "calls"), Duration.ofSeconds(5))
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        holderClients.close();
        holder.close();
        assertThat(permits.inUse("calls")).isEqualTo(1);
        await().alias("the stranded permit reclaimed by the reaper").atMost(Duration.ofSeconds(20))
                .until(() -> permits.inUse("calls") == 0);
    }

    private static void awaitLag(RedisClients probe, PipelineConfig config, long high, long low, long after) {
        await().alias("lane lags " + high + "/" + low + " published after " + after).atMost(Duration.ofSeconds(20))
                .until(() -> {
                    Map<String, String> lag = probe.async().hgetall(LaneLagJob.lagKey(config))
                            .get(2, TimeUnit.SECONDS);
                    return matches(lag.get("high"), high, after) && matches(lag.get("low"), low, after);
                });
    }

    private static boolean matches(String value, long lag, long after) {
        if (value == null) {
            return false;
        }
        String[] parts = value.split("\\|");
        return Long.parseLong(parts[0]) == lag && Long.parseLong(parts[1]) > after;
    }

    private static void produce(PipelineConfig config, String lane, int n) {
        try (TaskProducer producer = new TaskProducer(config)) {
            for (int i = 0; i < n; i++) {
                producer.sendJson(lane, "{\"id\":\"" + lane + System.nanoTime() + "\",\"type\":\"work\"}");
            }
            producer.flush();
        }
    }
}
