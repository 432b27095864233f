package dev.harvest.lease.redis;

import static dev.harvest.lease.redis.AdmissionFixtures.HIGH;
import static dev.harvest.lease.redis.AdmissionFixtures.NORMAL;
import static dev.harvest.lease.redis.AdmissionFixtures.setup;
import static dev.harvest.lease.redis.AdmissionFixtures.uniquePipeline;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.harvest.config.Budget;
import dev.harvest.config.KeyConfig;
import dev.harvest.config.KeyPoolConfig;
import dev.harvest.config.RateLimit;
import dev.harvest.lease.AdmissionRequest;
import dev.harvest.lease.AdmissionTimeoutException;
import dev.harvest.lease.KeyStatus;
import dev.harvest.lease.Lease;
import dev.harvest.task.Cost;
import dev.harvest.testkit.RedisServerExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisRateBudgetIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final Duration RUN = Duration.ofSeconds(10);
    private static final Duration WINDOW = Duration.ofSeconds(1);
    private static final int CLAIMERS = 48;
    private static final int REQUESTS = 40;
    private static final double UNITS = 5000;
    private static final int ESTIMATE = 50;
    /** TTL of the key-only leases the claimers take; the lease's local deadline tells when its request went out. */
    private static final Duration LEASE_TTL = Duration.ofSeconds(5);

    private static final AdmissionOptions OPTIONS = AdmissionOptions.defaults().withKeyOnlyLeaseTtl(LEASE_TTL);

    private final AdmissionFixtures fx = new AdmissionFixtures();

    @AfterEach
    void closeAll() throws Exception {
        fx.close();
    }

    @Test
    void shouldKeepEveryWindowWithinLimitsAndUseNinetyPercentWhenManyClaimersRunTenSeconds() throws Exception {
        AdmissionSetup setup = setup(uniquePipeline("rates"), List.of(
                pool("api", new RateLimit(REQUESTS, WINDOW), null, "a1", "a2"),
                pool("llm", null, new Budget(UNITS, WINDOW), "b1", "b2"), pool("warm", null, null, "w1", "w2")),
                List.of());
        List<RedisAdmissionControl> instances = List.of(instance(setup, AdmissionOptions.defaults()),
                instance(setup, AdmissionOptions.defaults()),
                instance(setup, AdmissionOptions.defaults().withWakeUp(AdmissionOptions.WakeUp.POLLING)));
        ExecutorService threads = Executors.newFixedThreadPool(CLAIMERS);
        // Warm up threads and code paths on an unlimited pool, so that start-up delays do not skew the stamps.
        claimAll(threads, instances, t -> "warm", Duration.ofSeconds(1), new RateBudgetMonitor());
        RateBudgetMonitor monitor = new RateBudgetMonitor();

        claimAll(threads, instances, t -> t % 2 == 0 ? "api" : "llm", RUN, monitor);
        threads.shutdown();

        // Redis stamps grants in whole milliseconds: two grants 999.x ms apart may be 1000 ms apart in its stamps.
        long window = WINDOW.toNanos() - TimeUnit.MILLISECONDS.toNanos(1);
        for (String key : List.of("a1", "a2", "b1", "b2")) {
            System.out.printf("%s: %d calls, cost %.0f, busiest window %d calls / cost %.0f%n", key, monitor.count(key),
                    Cost.fromMicros(monitor.costMicros(key)), monitor.maxCallsInWindow(key, window),
                    Cost.fromMicros(monitor.maxCostInWindow(key, window)));
        }
        for (String key : List.of("a1", "a2")) {
            assertThat(monitor.maxCallsInWindow(key, window)).as("calls of %s in a window", key).isLessThanOrEqualTo(REQUESTS);
            assertThat(monitor.count(key)).as("calls of %s in the run", key)
                    .isLessThanOrEqualTo(REQUESTS * RUN.dividedBy(WINDOW))
                    .isGreaterThanOrEqualTo((long) (0.9 * REQUESTS * RUN.dividedBy(WINDOW)));
        }
        for (String key : List.of("b1", "b2")) {
            long budget = Cost.toMicros(UNITS);
            assertThat(monitor.maxCostInWindow(key, window)).as("cost of %s in a window", key).isLessThanOrEqualTo(budget);
            assertThat(monitor.costMicros(key)).as("cost of %s in the run", key)
                    .isGreaterThanOrEqualTo((long) (0.9 * budget * RUN.dividedBy(WINDOW)));
        }
        List<KeyStatus> llm = new RedisKeyPool(fx.clients(REDIS.settings()), setup.pipeline()).list("llm");
        for (KeyStatus key : llm) {
            assertThat(Cost.toMicros(key.charged())).as("charged to %s", key.keyId())
                    .isEqualTo(monitor.costMicros(key.keyId()));
        }
        await("windows empty again").atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            RedisKeyPool pools = new RedisKeyPool(fx.clients(REDIS.settings()), setup.pipeline());
            assertThat(pools.list("api")).extracting(KeyStatus::requestsLeft).containsOnly((long) REQUESTS);
            assertThat(pools.list("llm")).extracting(KeyStatus::budgetLeft).containsOnly(UNITS);
        });
    }

    @Test
    void shouldSleepUntilWindowHasRoomWhenRateIsExhausted() {
        AdmissionSetup setup = setup(uniquePipeline("sleep"), List.of(
                pool("api", new RateLimit(2, Duration.ofMillis(1500)), null, "k1")), List.of());
        RedisAdmissionControl control = instance(setup, AdmissionOptions.defaults()
                .withWakeUp(AdmissionOptions.WakeUp.POLLING));
        control.release(AdmissionFixtures.join(control.acquire(fx.request(HIGH, "api", null), Duration.ofSeconds(1))));
        control.release(AdmissionFixtures.join(control.acquire(fx.request(HIGH, "api", null), Duration.ofSeconds(1))));
        long callsBefore = control.redisCalls();
        long waitStart = System.nanoTime();

        Lease third = AdmissionFixtures.join(control.acquire(fx.request(HIGH, "api", null), Duration.ofSeconds(5)));

        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - waitStart);
        assertThat(third.keyId()).isEqualTo("k1");
        assertThat(waitedMs).isGreaterThanOrEqualTo(1300);
        // the failed try, the try at the hinted time, and the two releases: no polling in between
        assertThat(control.redisCalls() - callsBefore).isLessThanOrEqualTo(5);
    }

    @Test
    void shouldRefundAndChargeExtraWhenActualCostIsReported() {
        AdmissionSetup setup = setup(uniquePipeline("settle"), List.of(
                pool("llm", null, new Budget(100.0, Duration.ofSeconds(30)), "k1")), List.of());
        RedisAdmissionControl control = instance(setup, AdmissionOptions.defaults());
        RedisKeyPool pools = new RedisKeyPool(fx.clients(REDIS.settings()), setup.pipeline());
        Lease first = tryAcquire(control, 60).orElseThrow();
        assertThat(tryAcquire(control, 60)).isEmpty();

        control.release(first, 30.0).toCompletableFuture().join();
        Lease second = tryAcquire(control, 60).orElseThrow();
        assertThat(pools.list("llm").get(0)).extracting(KeyStatus::budgetLeft, KeyStatus::charged).containsExactly(10.0, 90.0);

        control.release(second, 75.5).toCompletableFuture().join();
        control.release(second, 1.0).toCompletableFuture().join();
        assertThat(pools.list("llm").get(0)).extracting(KeyStatus::budgetLeft, KeyStatus::charged).containsExactly(0.0, 105.5);
        assertThat(tryAcquire(control, 1)).isEmpty();
    }

    @Test
    void shouldFailAtOnceWhenCostIsAboveEveryKeysBudget() {
        AdmissionSetup setup = setup(uniquePipeline("huge"), List.of(
                pool("llm", null, new Budget(100.0, Duration.ofSeconds(1)), "k1", "k2")), List.of());
        RedisAdmissionControl control = instance(setup, AdmissionOptions.defaults());

        assertThatThrownBy(() -> AdmissionFixtures.join(control.acquire(
                new AdmissionRequest("t", NORMAL, "llm", null, 101), Duration.ofSeconds(5))))
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("above the budget");
    }

    private void claimAll(ExecutorService threads, List<RedisAdmissionControl> instances, IntFunction<String> pools,
                          Duration run, RateBudgetMonitor monitor) throws Exception {
        long end = System.nanoTime() + run.toNanos();
        List<Future<?>> claimers = new ArrayList<>();
        for (int t = 0; t < CLAIMERS; t++) {
            RedisAdmissionControl control = instances.get(t % instances.size());
            String pool = pools.apply(t);
            claimers.add(threads.submit(() -> claimUntil(end, control, pool, monitor)));
        }
        for (Future<?> claimer : claimers) {
            claimer.get(run.toSeconds() + 30, TimeUnit.SECONDS);
        }
    }

    private void claimUntil(long end, RedisAdmissionControl control, String pool, RateBudgetMonitor monitor) {
        AtomicInteger n = new AtomicInteger();
        while (System.nanoTime() < end) {
            Lease lease;
            long[] grantedAt = new long[1];
            try {
                lease = control.acquire(new AdmissionRequest("t-" + n.incrementAndGet(), NORMAL, pool, null,
                        pool.equals("llm") ? ESTIMATE : 1), Duration.ofNanos(end - System.nanoTime()))
                        .thenApply(l -> {
                            grantedAt[0] = System.nanoTime();
                            return l;
                        }).toCompletableFuture().join();
            } catch (CompletionException e) {
                assertThat(e).hasCauseInstanceOf(AdmissionTimeoutException.class);
                return;
            }
            int actual = pool.equals("llm") ? ThreadLocalRandom.current().nextInt(10, ESTIMATE + 1) : 1;
            // Redis granted the lease after its request went out and before the answer reached this thread.
            long sentAt = lease.deadlineNanos() - LEASE_TTL.toNanos() + OPTIONS.marginNanos(LEASE_TTL);
            monitor.called(lease.keyId(), sentAt, grantedAt[0], Cost.toMicros(actual));
            simulateCall();
            control.release(lease, pool.equals("llm") ? (double) actual : null);
        }
    }

    /** The provider's work done while holding the lease, not a wait for a condition. */
    private static void simulateCall() {
        LockSupport.parkNanos(5_000_000);
    }

    private Optional<Lease> tryAcquire(RedisAdmissionControl control, double cost) {
        return control.tryAcquire(new AdmissionRequest("t", HIGH, "llm", null, cost)).toCompletableFuture().join();
    }

    private RedisAdmissionControl instance(AdmissionSetup setup, AdmissionOptions options) {
        return fx.control(fx.clients(REDIS.settings()), setup, options.withKeyOnlyLeaseTtl(LEASE_TTL),
                System::nanoTime, new SimpleMeterRegistry());
    }

    private static KeyPoolConfig pool(String name, RateLimit rate, Budget budget, String... ids) {
        List<KeyConfig> keys = new ArrayList<>();
        for (String id : ids) {
            keys.add(new KeyConfig(id, "secret-of-" + id, null, null));
        }
        return new KeyPoolConfig(name, 4, null, keys, false, rate, budget);
    }
}
