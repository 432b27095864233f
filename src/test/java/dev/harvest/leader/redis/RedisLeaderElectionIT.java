package dev.harvest.leader.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.leader.LeaderToken;
import dev.harvest.leader.SingletonJob;
import dev.harvest.redis.RedisClients;
import dev.harvest.testkit.RedisServerExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Leader election on a real Redis: one leader at a time, fenced tokens, quick hand-over, failover on a crash. */
class RedisLeaderElectionIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final Duration TTL = Duration.ofMillis(900);

    /** Records which instance ran the job with which token. */
    static final class RecordingJob implements SingletonJob {
        final String instance;
        final List<String> runs;
        final ConcurrentHashMap<String, Boolean> running;
        final AtomicInteger overlaps;

        RecordingJob(String instance, List<String> runs, ConcurrentHashMap<String, Boolean> running,
                     AtomicInteger overlaps) {
            this.instance = instance;
            this.runs = runs;
            this.running = running;
            this.overlaps = overlaps;
        }

        @Override
        public String name() {
            return "reaper";
        }

        @Override
        public Duration interval() {
            return Duration.ofMillis(20);
        }

        @Override
        public void run(LeaderToken token) {
            if (!token.isValid()) {
                return;
            }
            if (running.putIfAbsent("job", Boolean.TRUE) != null) {
                overlaps.incrementAndGet();
            }
            runs.add(instance + ":" + token.token());
            running.remove("job");
        }
    }

    @Test
    void shouldHaveOneLeaderAndHandOverWhenLeaderResignsOrCrashes() throws Exception {
        String pipeline = "lead" + System.nanoTime();
        List<String> runs = new CopyOnWriteArrayList<>();
        ConcurrentHashMap<String, Boolean> running = new ConcurrentHashMap<>();
        AtomicInteger overlaps = new AtomicInteger();
        List<RedisClients> clients = new ArrayList<>();
        List<RedisLeaderElection> elections = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RedisClients c = RedisClients.connect(REDIS.settings());
            clients.add(c);
            RedisLeaderElection e = new RedisLeaderElection(c, pipeline, "i" + i, TTL, System::nanoTime,
                    new SimpleMeterRegistry());
            e.register(new RecordingJob("i" + i, runs, running, overlaps));
            elections.add(e);
        }
        List<RedisLeaderElection> all = List.copyOf(elections);
        AtomicBoolean watching = new AtomicBoolean(true);
        AtomicInteger maxLeaders = new AtomicInteger();
        Thread monitor = new Thread(() -> {
            while (watching.get()) {
                int leaders = (int) all.stream().filter(e -> e.isLeader("reaper")).count();
                maxLeaders.accumulateAndGet(leaders, Math::max);
                Thread.onSpinWait();
            }
        });
        monitor.start();
        try {
            RedisLeaderElection first = awaitLeader(elections);
            awaitRun(runs, first);
            first.close();
            elections.remove(first);
            long handOverStart = System.nanoTime();
            RedisLeaderElection second = awaitLeader(elections);
            assertThat(Duration.ofNanos(System.nanoTime() - handOverStart))
                    .as("a resigned leader is replaced well before its TTL would run out").isLessThan(TTL);
            awaitRun(runs, second);
            int secondIndex = clients.indexOf(findClient(clients, elections, second));
            clients.get(secondIndex).close();
            elections.remove(second);
            awaitRun(runs, awaitLeader(elections));
        } finally {
            watching.set(false);
            monitor.join();
            all.forEach(RedisLeaderElection::close);
            clients.forEach(c -> {
                try {
                    c.close();
                } catch (RuntimeException ignored) {
                    // closed already
                }
            });
        }
        assertThat(maxLeaders.get()).as("never two leaders at once").isLessThanOrEqualTo(1);
        assertThat(overlaps.get()).as("the job never ran on two instances at once").isZero();
        List<Long> tokens = runs.stream().map(r -> Long.parseLong(r.substring(r.indexOf(':') + 1))).toList();
        assertThat(tokens).as("fencing tokens never go back").isSorted();
        assertThat(runs.stream().map(r -> r.substring(0, r.indexOf(':'))).distinct().count())
                .as("the job moved to a new leader twice").isEqualTo(3);
    }

    private static RedisClients findClient(List<RedisClients> clients, List<RedisLeaderElection> elections,
                                           RedisLeaderElection e) {
        // elections were created in client order; the holder id starts with the instance name i<index>.
        int index = Integer.parseInt(e.holderId().substring(1, e.holderId().indexOf('-')));
        return clients.get(index);
    }

    private static void awaitRun(List<String> runs, RedisLeaderElection leader) {
        String instance = leader.holderId().substring(0, leader.holderId().indexOf('-'));
        await().alias("the new leader ran the job").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> runs.stream().anyMatch(r -> r.startsWith(instance + ":")));
    }

    private static RedisLeaderElection awaitLeader(List<RedisLeaderElection> candidates) {
        await().alias("a leader is elected").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> candidates.stream().anyMatch(e -> e.isLeader("reaper")));
        return candidates.stream().filter(e -> e.isLeader("reaper")).findFirst().orElseThrow();
    }
}
