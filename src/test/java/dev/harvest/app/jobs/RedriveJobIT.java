package dev.harvest.app.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.harvest.app.TopicAdmin;
import dev.harvest.app.dlq.ReplayAudit;
import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;
import dev.harvest.leader.redis.RedisLeaderElection;
import dev.harvest.metrics.MetricNames;
import dev.harvest.metrics.TagNames;
import dev.harvest.redis.RedisClients;
import dev.harvest.testkit.MutableClock;
import dev.harvest.testkit.RedisServerExtension;
import dev.harvest.testkit.TestKafka;
import dev.harvest.testkit.TestPipelines;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The redrive job on three instances (each its own Redis connection and leader election) over one pipeline, a
 * real broker and a real Redis: every old-enough matching dead letter goes back to its lane exactly once, the
 * others never (nor those of a lane the pipeline no longer has, which do not use up the limit either), at most
 * {@code limit} per rule and run, and the job moves on when the leader resigns or crashes.
 */
class RedriveJobIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final Duration TTL = Duration.ofSeconds(2);
    private static final String YAML = """
            pipeline: %1$s
            kafka: { bootstrapServers: "%2$s" }
            lanes:
              - { name: high, topic: %1$s.tasks.high, partitions: 2 }
              - { name: low,  topic: %1$s.tasks.low,  partitions: 2 }
            handlers: { sim: { kind: simulated } }
            redriveInterval: 200ms
            redrive:
              - { reason: max-attempts, after: 10m, limit: 2 }
              - { reason: expired, after: 10m, lane: low }
            """;

    private final Instant t0 = Instant.now();
    private final MutableClock clock = new MutableClock(t0);
    private final List<Instance> instances = new ArrayList<>();
    private final AtomicBoolean watching = new AtomicBoolean(true);
    private final AtomicInteger maxLeaders = new AtomicInteger();
    private PipelineConfig config;
    private Thread monitor;

    /** One instance: its Redis connection, its election running a RedriveJob, its meters. */
    private record Instance(String id, RedisClients redis, RedisLeaderElection election, SimpleMeterRegistry meters) {
        boolean leads() {
            return election.isLeader(RedriveJob.NAME);
        }

        double redriven() {
            return meters.find(MetricNames.REDRIVEN).counters().stream().mapToDouble(c -> c.count()).sum();
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        watching.set(false);
        if (monitor != null) {
            monitor.join();
        }
        for (Instance i : instances) {
            i.election().close();
            try {
                i.redis().close();
            } catch (RuntimeException closedAlready) {
                // the crashed instance's connection is closed already
            }
        }
    }

    @Test
    void shouldRedriveEachMatchingDeadLetterOnceAndMoveOnWhenLeaderResignsOrCrashes() {
        config = new PipelineLoader(n -> null).parse(YAML.formatted(TestPipelines.uniqueName("redrive"),
                TestKafka.bootstrapServers()));
        TopicAdmin.createAll(config);
        RedriveSeeds seeds = new RedriveSeeds(config, t0);
        List<String> noLane = seeds.seed("max-attempts", "removed", Duration.ofHours(-3), 3);
        List<String> old = seeds.seed("max-attempts", "high", Duration.ofHours(-1), 4);
        old.addAll(seeds.seed("max-attempts", "low", Duration.ofHours(-1), 1));
        List<String> expiredLow = seeds.seed("expired", "low", Duration.ofHours(-1), 1);
        List<String> never = seeds.seed("expired", "high", Duration.ofHours(-1), 1);
        never.addAll(seeds.seed("permanent-failure", "low", Duration.ofHours(-2), 2));
        never.addAll(noLane); // the oldest, yet they must not take the place of those that can be redriven
        List<String> afterResign = seeds.seed("max-attempts", "high", Duration.ZERO, 2);
        List<String> afterCrash = seeds.seed("max-attempts", "low", Duration.ofMinutes(10), 2);
        List<String> last = seeds.seed("max-attempts", "high", Duration.ofMinutes(20), 1);
        startInstances(3);

        awaitRedriven(seeds, "the old max-attempts and the expired low dead letters", old, expiredLow);
        assertThat(seeds.redriven()).as("nothing younger than 10m, of another reason or another lane")
                .doesNotContainKeys(concat(never, afterResign, afterCrash, last).toArray(String[]::new));

        Instance first = leader(instances);
        first.election().close();
        clock.advance(Duration.ofMinutes(10));
        awaitRedriven(seeds, "dead letters that came of age after the leader resigned", afterResign);
        assertThat(operators(afterResign)).as("redriven by the instances left").isNotEmpty()
                .doesNotContain(operator(first));
        Instance second = leader(others(first));

        second.redis().close(); // a crash: the leadership is not given up, it expires
        await().alias("the crashed leader stops acting when its lease runs out").atMost(TTL.multipliedBy(2))
                .pollInterval(Duration.ofMillis(20)).until(() -> !second.leads());
        clock.advance(Duration.ofMinutes(10));
        awaitRedriven(seeds, "dead letters that came of age after the leader crashed", afterCrash);
        assertThat(operators(afterCrash)).as("redriven by the instance left").isNotEmpty()
                .doesNotContain(operator(first), operator(second));
        Instance third = leader(others(first, second));

        clock.advance(Duration.ofMinutes(10));
        awaitRedriven(seeds, "the last dead letter, after further runs over everything", last);

        List<String> eligible = concat(old, expiredLow, afterResign, afterCrash, last);
        Map<String, List<String>> redriven = seeds.redriven();
        assertThat(redriven.keySet()).as("exactly the matching dead letters").containsExactlyInAnyOrderElementsOf(eligible);
        redriven.forEach((source, topics) -> assertThat(topics).as("copies of %s", source)
                .containsExactly(seeds.originTopic(source)));
        assertThat(audit()).as("audit records of one run of one rule").allSatisfy(a -> {
            assertThat(a.path("operator").asText()).startsWith(RedriveJob.NAME + "@");
            assertThat(a.path("records").size()).isBetween(1, 2);
        });
        assertThat(instances.stream().mapToDouble(Instance::redriven).sum()).as("harvest.dlq.redriven")
                .isEqualTo(eligible.size());
        await().alias("harvest.leader of the job is 1 on the instance left").atMost(Duration.ofSeconds(15))
                .until(() -> third.meters().get(MetricNames.LEADER).tag(TagNames.JOB, RedriveJob.NAME).gauge()
                        .value() == 1.0);
        watching.set(false);
        assertThat(maxLeaders.get()).as("never two leaders at once").isEqualTo(1);
    }

    private void startInstances(int n) {
        for (int i = 0; i < n; i++) {
            RedisClients redis = RedisClients.connect(REDIS.settings());
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            RedisLeaderElection election = new RedisLeaderElection(redis, config.pipeline(), "i" + i, TTL,
                    System::nanoTime, meters);
            election.register(new RedriveJob(config, clock, RedriveJob.NAME + "@" + election.holderId(), meters));
            instances.add(new Instance("i" + i, redis, election, meters));
        }
        List<Instance> all = List.copyOf(instances);
        monitor = new Thread(() -> {
            while (watching.get()) {
                maxLeaders.accumulateAndGet((int) all.stream().filter(Instance::leads).count(), Math::max);
                Thread.onSpinWait();
            }
        }, "leader-monitor");
        monitor.start();
    }

    @SafeVarargs
    private static void awaitRedriven(RedriveSeeds seeds, String alias, List<String>... groups) {
        List<String> expected = concat(groups);
        await().alias(alias).atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(250))
                .until(() -> seeds.redriven().keySet().containsAll(expected));
    }

    private Instance leader(List<Instance> candidates) {
        await().alias("a leader among the instances left").atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(20)).until(() -> candidates.stream().anyMatch(Instance::leads));
        return candidates.stream().filter(Instance::leads).findFirst().orElseThrow();
    }

    private List<Instance> others(Instance... gone) {
        Set<Instance> out = Set.of(gone);
        return instances.stream().filter(i -> !out.contains(i)).toList();
    }

    private static String operator(Instance i) {
        return RedriveJob.NAME + "@" + i.election().holderId();
    }

    /** The operators of the audit records that list any of {@code sources}. */
    private Set<String> operators(List<String> sources) {
        Set<String> out = new HashSet<>();
        for (JsonNode a : audit()) {
            for (JsonNode r : a.path("records")) {
                String coordinates = a.path("dlqTopic").asText() + "/" + r.path("partition").asInt() + "/"
                        + r.path("offset").asLong();
                if (sources.contains(coordinates)) {
                    out.add(a.path("operator").asText());
                }
            }
        }
        return out;
    }

    private List<JsonNode> audit() {
        ObjectMapper json = new ObjectMapper();
        return RedriveSeeds.records(config, ReplayAudit.topic(config)).stream().map(r -> {
            try {
                return json.readTree(r.value());
            } catch (IOException e) {
                throw new AssertionError("audit record is not JSON", e);
            }
        }).toList();
    }

    @SafeVarargs
    private static List<String> concat(List<String>... groups) {
        return java.util.Arrays.stream(groups).flatMap(List::stream).collect(Collectors.toCollection(ArrayList::new));
    }
}
