package dev.harvest.lease.redis;

import static dev.harvest.lease.redis.AdmissionFixtures.HIGH;
import static dev.harvest.lease.redis.AdmissionFixtures.LOW;
import static dev.harvest.lease.redis.AdmissionFixtures.NORMAL;
import static dev.harvest.lease.redis.AdmissionFixtures.permits;
import static dev.harvest.lease.redis.AdmissionFixtures.pool;
import static dev.harvest.lease.redis.AdmissionFixtures.setup;
import static dev.harvest.lease.redis.AdmissionFixtures.uniquePipeline;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.lease.AdmissionRequest;
import dev.harvest.lease.KeyStatus;
import dev.harvest.lease.Lease;
import dev.harvest.metrics.MetricNames;
import dev.harvest.task.Lane;
import dev.harvest.testkit.RedisServerExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisAdmissionInvariantsIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final int THREADS = 32;
    private static final int CYCLES_PER_THREAD = 1000;
    private static final int KEYS = 4;
    private static final int CAP = 2;
    private static final int PERMITS = 6;

    private final AdmissionFixtures fx = new AdmissionFixtures();

    @AfterEach
    void closeAll() throws Exception {
        fx.close();
    }

    @Test
    void shouldNeverExceedKeyCapOrPermitsWhenManyThreadsClaimAcrossConnections() throws Exception {
        AdmissionSetup setup = setup(uniquePipeline("load"), List.of(pool("api", CAP, null, "k1", "k2", "k3", "k4")),
                List.of(permits("calls", PERMITS, Duration.ofSeconds(5), Map.of("high", 2))));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<RedisAdmissionControl> instances = List.of(
                fx.control(fx.clients(REDIS.settings()), setup, AdmissionOptions.defaults(), System::nanoTime, registry),
                fx.control(fx.clients(REDIS.settings()), setup, AdmissionOptions.defaults().withWakeUp(AdmissionOptions.WakeUp.POLLING),
                        System::nanoTime, registry));
        CountingResource monitor = new CountingResource();
        Set<Long> tokens = ConcurrentHashMap.newKeySet();
        AtomicLong notHeld = new AtomicLong();

        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            done.add(threads.submit(() -> {
                RedisAdmissionControl control = instances.get(thread % 2);
                for (int i = 0; i < CYCLES_PER_THREAD; i++) {
                    Lease lease = control.acquire(request(thread, i), Duration.ofSeconds(30)).toCompletableFuture().join();
                    monitor.enter(lease);
                    tokens.add(lease.fencingToken());
                    if (!control.isHeld(lease)) {
                        notHeld.incrementAndGet();
                    }
                    Thread.yield();
                    monitor.exit(lease);
                    control.release(lease);
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(80, TimeUnit.SECONDS); // a stuck waiter fails here with its AdmissionTimeoutException
        }
        threads.shutdown();

        assertThat(monitor.maxPerKey()).isLessThanOrEqualTo(CAP);
        assertThat(monitor.maxPermits()).isLessThanOrEqualTo(PERMITS).isGreaterThan(1);
        // Every grant by Redis has its own token; a lease handed on inside an instance keeps it.
        double handedOn = registry.counter("harvest.admission.leases.reused").count();
        assertThat(tokens.size() + (long) handedOn).isEqualTo(THREADS * CYCLES_PER_THREAD);
        assertThat(notHeld.get()).isZero();
        assertThat(registry.find(MetricNames.LEASES_LOST).counter()).isNull();
        RedisKeyPool keyPool = new RedisKeyPool(fx.clients(REDIS.settings()), setup.pipeline());
        RedisPermitSemaphore semaphore = new RedisPermitSemaphore(fx.clients(REDIS.settings()), setup.pipeline());
        await("the pool and the semaphore are full again").atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            List<KeyStatus> keys = keyPool.list("api");
            int available = keys.stream().filter(k -> k.cooldownRemaining().isZero()).mapToInt(k -> k.cap() - k.inUse()).sum();
            int leased = keys.stream().mapToInt(KeyStatus::inUse).sum();
            assertThat(leased).isZero();
            assertThat(available).isEqualTo(KEYS * CAP);
            assertThat(semaphore.inUse("calls")).isZero();
        });
        double calls = registry.get(MetricNames.REDIS_CALLS).counters().stream().mapToDouble(c -> c.count()).sum();
        System.out.printf("load: %d cycles, %.2f redis calls per task, max per key %d, max permits %d%n",
                THREADS * CYCLES_PER_THREAD, calls / (THREADS * CYCLES_PER_THREAD), monitor.maxPerKey(), monitor.maxPermits());
    }

    /**
     * Mostly key + permit; some key-only and permit-only requests; three lanes. Each thread changes lane every
     * cycle: a thread pinned to the low lane would (rightly) starve behind a saturating high lane.
     */
    private AdmissionRequest request(int thread, int cycle) {
        Lane lane = switch ((thread + cycle) % 3) {
            case 0 -> HIGH;
            case 1 -> NORMAL;
            default -> LOW;
        };
        return switch (cycle % 8) {
            case 0 -> fx.request(lane, "api", null);
            case 1 -> fx.request(lane, null, "calls");
            default -> fx.request(lane, "api", "calls");
        };
    }
}
