package dev.harvest.lease.redis;

import static dev.harvest.lease.redis.AdmissionFixtures.HIGH;
import static dev.harvest.lease.redis.AdmissionFixtures.LOW;
import static dev.harvest.lease.redis.AdmissionFixtures.join;
import static dev.harvest.lease.redis.AdmissionFixtures.permits;
import static dev.harvest.lease.redis.AdmissionFixtures.pool;
import static dev.harvest.lease.redis.AdmissionFixtures.setup;
import static dev.harvest.lease.redis.AdmissionFixtures.uniquePipeline;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.devstack.LocalRedis;
import dev.harvest.lease.KeyStatus;
import dev.harvest.lease.Lease;
import dev.harvest.lease.redis.AdmissionFixtures.JumpingTicker;
import dev.harvest.metrics.MetricNames;
import dev.harvest.redis.RedisClients;
import dev.harvest.testkit.RedisServerExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisAdmissionFaultsIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final Duration TTL = Duration.ofSeconds(1);
    private static final Duration SLACK = Duration.ofMillis(700);

    private final AdmissionFixtures fx = new AdmissionFixtures();

    @AfterEach
    void closeAll() throws Exception {
        fx.close();
    }

    /** An admission control on a Redis connection of its own, holding the one lease of {@link #oneOfEach}. */
    private record OwnConnection(RedisClients clients, RedisAdmissionControl control, Lease lease) {
        static OwnConnection holding(AdmissionFixtures fx, AdmissionSetup setup) {
            RedisClients clients = RedisClients.connect(REDIS.settings());
            RedisAdmissionControl control = fx.control(clients, setup, AdmissionOptions.defaults(), System::nanoTime,
                    new SimpleMeterRegistry());
            return new OwnConnection(clients, control,
                    join(control.acquire(fx.request(HIGH, "api", "calls"), Duration.ofSeconds(1))));
        }
    }

    private static AdmissionSetup oneOfEach(String name) {
        return setup(uniquePipeline(name), List.of(pool("api", 1, null, "k1")), List.of(permits("calls", 1, TTL, Map.of())));
    }

    @Test
    void shouldReclaimLeaseWithinTtlWhenHolderDisappears() {
        AdmissionSetup setup = oneOfEach("crash");
        OwnConnection holder = OwnConnection.holding(fx, setup);
        RedisAdmissionControl survivor = fx.control(fx.clients(REDIS.settings()), setup);

        holder.control().suspendRenewals(true);
        holder.clients().close(); // the connection dies with the process; nothing is released
        long crashedAt = System.nanoTime();
        Lease taken = join(survivor.acquire(fx.request(HIGH, "api", "calls"), TTL.plus(SLACK).multipliedBy(2)));

        assertThat(Duration.ofNanos(System.nanoTime() - crashedAt)).isLessThan(TTL.plus(SLACK));
        assertThat(taken.keyId()).isEqualTo("k1");
        assertThat(survivor.isHeld(taken)).isTrue();
    }

    @Test
    void shouldCountAReleaseAfterCloseAsDoneWhenClosingGaveTheLeaseBackAlready() {
        AdmissionSetup setup = oneOfEach("closing");
        OwnConnection holder = OwnConnection.holding(fx, setup);
        RedisAdmissionControl other = fx.control(fx.clients(REDIS.settings()), setup);

        holder.control().close(); // gives back what it holds, as an instance that stops does
        holder.clients().close();
        long closedAt = System.nanoTime();

        // The attempt that held it ends only now (cut short at shutdown) and gives its lease back too.
        assertThat(holder.control().release(holder.lease(), 0.0).toCompletableFuture()).as("already given back by close")
                .succeedsWithin(Duration.ofSeconds(1));
        Lease next = join(other.acquire(fx.request(HIGH, "api", "calls"), Duration.ofSeconds(1)));
        assertThat(Duration.ofNanos(System.nanoTime() - closedAt)).as("free at once, not after its TTL")
                .isLessThan(TTL);
        assertThat(next.keyId()).isEqualTo("k1");
    }

    @Test
    void shouldFenceStaleHolderWhenItWasPausedPastItsTtl() {
        AdmissionSetup setup = oneOfEach("pause");
        JumpingTicker pausedClock = new JumpingTicker();
        SimpleMeterRegistry pausedMeters = new SimpleMeterRegistry();
        RedisClients clients = fx.clients(REDIS.settings());
        RedisAdmissionControl paused = fx.control(clients, setup, AdmissionOptions.defaults(), pausedClock, pausedMeters);
        RedisAdmissionControl other = fx.control(fx.clients(REDIS.settings()), setup);
        Lease stale = join(paused.acquire(fx.request(HIGH, "api", "calls"), Duration.ofSeconds(1)));

        paused.suspendRenewals(true); // SIGSTOP: no renewals, and its clock jumps when it wakes up
        Lease fresh = join(other.acquire(fx.request(HIGH, "api", "calls"), TTL.plus(SLACK).multipliedBy(2)));
        pausedClock.jump(TTL.multipliedBy(2));
        paused.suspendRenewals(false);

        assertThat(paused.isHeld(stale)).isFalse();
        paused.release(stale).toCompletableFuture().join();
        assertThat(other.isHeld(fresh)).isTrue();
        assertThat(new RedisKeyPool(clients, setup.pipeline()).list("api")).extracting(KeyStatus::inUse).containsExactly(1);
        assertThat(new RedisPermitSemaphore(clients, setup.pipeline()).inUse("calls")).isEqualTo(1);
        assertThat(stale.fencingToken()).isLessThan(fresh.fencingToken());
        assertThat(pausedMeters.get(MetricNames.LEASES_LOST).tag("lane", "high").counter().count()).isEqualTo(1);
    }

    @Test
    void shouldRecoverAndLeakNothingWhenRedisRestartsMidRun() throws Exception {
        try (LocalRedis own = LocalRedis.start()) {
            AdmissionSetup setup = setup(uniquePipeline("restart"), List.of(pool("api", 2, null, "k1", "k2")),
                    List.of(permits("calls", 3, Duration.ofSeconds(2), Map.of("high", 1))));
            List<RedisAdmissionControl> instances = List.of(
                    fx.control(fx.clients(RedisServerExtension.settingsFor(own)), setup),
                    fx.control(fx.clients(RedisServerExtension.settingsFor(own)), setup));
            List<long[]> grants = new CopyOnWriteArrayList<>(); // {requestedAt, grantedAt, token}
            CountingResource monitor = new CountingResource();

            long restartBegan;
            long restartEnded;
            try (Workers workers = new Workers(8, thread -> {
                RedisAdmissionControl control = instances.get(thread % 2);
                long requestedAt = System.nanoTime();
                Lease lease = join(control.acquire(fx.request(thread % 2 == 0 ? HIGH : LOW, "api", "calls"),
                        Duration.ofMillis(500)));
                grants.add(new long[] {requestedAt, System.nanoTime(), lease.fencingToken()});
                monitor.enter(lease);
                LockSupport.parkNanos(2_000_000); // the work done while holding the lease, not a wait for a condition
                monitor.exit(lease);
                control.release(lease);
            })) {
                await("work runs before the restart").atMost(Duration.ofSeconds(5)).until(() -> grants.size() > 50);
                restartBegan = System.nanoTime();
                own.restart();
                restartEnded = System.nanoTime();
                await("work runs again after the restart").atMost(Duration.ofSeconds(10))
                        .until(() -> grants.stream().filter(g -> g[0] > restartEnded).count() > 50);
            }

            long maxBefore = grants.stream().filter(g -> g[1] < restartBegan).mapToLong(g -> g[2]).max().orElseThrow();
            long minAfter = grants.stream().filter(g -> g[0] > restartEnded).mapToLong(g -> g[2]).min().orElseThrow();
            assertThat(minAfter).isGreaterThan(maxBefore);
            assertThat(monitor.maxPerKey()).isLessThanOrEqualTo(2);
            assertPoolFull(fx.clients(RedisServerExtension.settingsFor(own)), setup);
        }
    }

    @Test
    void shouldWriteRunningLeasesBackWhenRedisRestartsWithoutItsData() {
        try (LocalRedis own = LocalRedis.start()) {
            AdmissionSetup setup = setup(uniquePipeline("rebuild"), List.of(pool("api", 2, null, "k1")),
                    List.of(permits("calls", 3, Duration.ofSeconds(3), Map.of())));
            RedisClients clients = fx.clients(RedisServerExtension.settingsFor(own));
            // Redis's own grants: a released lease goes back at once, so the next one is a new grant.
            RedisAdmissionControl control = fx.control(clients, setup, AdmissionOptions.defaults().withoutKeptLeases(),
                    System::nanoTime, new SimpleMeterRegistry());
            Lease first = join(control.acquire(fx.request(HIGH, "api", "calls"), Duration.ofSeconds(2)));
            Lease second = join(control.acquire(fx.request(LOW, "api", "calls"), Duration.ofSeconds(2)));

            own.restart();

            // The next request finds no pool: the instance syncs the pipeline's pools and writes its running
            // leases back before it asks again, so the key is full, not free.
            await("admission answers again").atMost(Duration.ofSeconds(5)).ignoreExceptions().untilAsserted(() ->
                    assertThat(control.tryAcquire(fx.request(HIGH, "api", "calls")).toCompletableFuture().join())
                            .as("the key is full: its two running leases count").isEmpty());
            assertThat(new RedisPermitSemaphore(clients, setup.pipeline()).inUse("calls")).isEqualTo(2);
            assertThat(new RedisKeyPool(clients, setup.pipeline()).list("api")).extracting(KeyStatus::inUse)
                    .containsExactly(2);
            assertThat(control.isHeld(first)).isTrue();
            assertThat(control.isHeld(second)).isTrue();
            control.release(first).toCompletableFuture().join();
            Lease third = join(control.acquire(fx.request(HIGH, "api", "calls"), Duration.ofSeconds(2)));
            assertThat(third.fencingToken()).isGreaterThan(second.fencingToken());
            control.release(second).toCompletableFuture().join();
            control.release(third).toCompletableFuture().join();
            assertPoolFull(clients, setup);
        }
    }

    @Test
    void shouldFallBackToEvalAndLoseNothingWhenScriptCacheIsFlushedMidRun() throws Exception {
        AdmissionSetup setup = setup(uniquePipeline("flush"), List.of(pool("api", 2, null, "k1", "k2")),
                List.of(permits("calls", 3, Duration.ofSeconds(2), Map.of())));
        RedisAdmissionControl control = fx.control(fx.clients(REDIS.settings()), setup);
        RedisClients admin = fx.clients(REDIS.settings());
        AtomicLong granted = new AtomicLong();
        CountingResource monitor = new CountingResource();

        try (Workers workers = new Workers(6, thread -> {
            Lease lease = join(control.acquire(fx.request(HIGH, "api", "calls"), Duration.ofSeconds(5)));
            monitor.enter(lease);
            monitor.exit(lease);
            control.release(lease);
            granted.incrementAndGet();
        })) {
            for (int i = 0; i < 5; i++) {
                long before = granted.get();
                admin.connection().sync().scriptFlush();
                await("work goes on after SCRIPT FLUSH " + i).atMost(Duration.ofSeconds(5)).until(() -> granted.get() > before + 100);
            }
            assertThat(workers.failures()).isZero();
        }

        assertThat(monitor.maxPerKey()).isLessThanOrEqualTo(2);
        assertThat(monitor.maxPermits()).isLessThanOrEqualTo(3);
        assertPoolFull(admin, setup);
    }

    private static void assertPoolFull(RedisClients clients, AdmissionSetup setup) {
        RedisKeyPool pool = new RedisKeyPool(clients, setup.pipeline());
        RedisPermitSemaphore semaphore = new RedisPermitSemaphore(clients, setup.pipeline());
        await("every lease is back").atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(pool.list("api")).extracting(KeyStatus::inUse).containsOnly(0);
            assertThat(semaphore.inUse("calls")).isZero();
        });
    }

    /** Threads that repeat a cycle until closed; failed cycles (Redis down, timeouts) are counted, not fatal. */
    static final class Workers implements AutoCloseable {
        interface Cycle {
            void run(int thread) throws Exception;
        }

        private final ExecutorService pool;
        private final List<Future<?>> running = new ArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicLong failures = new AtomicLong();

        Workers(int threads, Cycle cycle) {
            pool = Executors.newFixedThreadPool(threads);
            for (int t = 0; t < threads; t++) {
                int thread = t;
                running.add(pool.submit(() -> {
                    while (!stop.get()) {
                        try {
                            cycle.run(thread);
                        } catch (Exception e) {
                            failures.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
        }

        long failures() {
            return failures.get();
        }

        @Override
        public void close() throws Exception {
            stop.set(true);
            for (Future<?> f : running) {
                f.get(20, TimeUnit.SECONDS);
            }
            pool.shutdown();
        }
    }
}
