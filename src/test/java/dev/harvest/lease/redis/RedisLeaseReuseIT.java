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

import dev.harvest.config.KeyConfig;
import dev.harvest.config.KeyPoolConfig;
import dev.harvest.config.RateLimit;
import dev.harvest.lease.Lease;
import dev.harvest.metrics.MetricNames;
import dev.harvest.redis.RedisClients;
import dev.harvest.task.Lane;
import dev.harvest.testkit.RedisServerExtension;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Lease hand-over inside one instance: a lease given back while a request of the same instance and wait class
 * waits goes straight to it, unless another instance waits for the resource, a more important lane waits here,
 * the key got a 429, the key is metered, or the lease is older than the reuse window.
 */
class RedisLeaseReuseIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final AdmissionFixtures fx = new AdmissionFixtures();
    /** The admission's clock in the tests that let time jump past the reuse window. */
    private final AdmissionFixtures.JumpingTicker ticker = new AdmissionFixtures.JumpingTicker();

    @AfterEach
    void closeAll() throws Exception {
        fx.close();
    }

    @Test
    void shouldHandLeaseToWaitingTaskOfSameInstanceWithoutFreeingItInRedis() {
        AdmissionSetup setup = setup(uniquePipeline("reuse"), List.of(pool("api", 1, null, "k1")),
                List.of(permits("calls", 1, Duration.ofSeconds(5), Map.of())));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RedisAdmissionControl control = fx.control(fx.clients(REDIS.settings()), setup, AdmissionOptions.defaults(),
                System::nanoTime, registry);
        Lease first = join(control.acquire(fx.request(HIGH, "api", "calls"), WAIT));
        CompletableFuture<Lease> next = queued(control);

        control.release(first).toCompletableFuture().join();

        Lease handed = next.join();
        assertThat(handed.leaseId()).isEqualTo(first.leaseId());
        assertThat(handed.fencingToken()).isEqualTo(first.fencingToken());
        assertThat(handed.keyId()).isEqualTo("k1");
        assertThat(control.isHeld(handed)).isTrue();
        assertThat(leaseInRedis(setup, first)).as("the lease stays held in Redis").isTrue();
        assertThat(registry.counter("harvest.admission.leases.reused").count()).isEqualTo(1.0);

        control.release(handed).toCompletableFuture().join();
        assertThat(leaseInRedis(setup, first)).as("with nobody waiting the lease is kept here").isTrue();
        assertThat(kept(registry)).isEqualTo(1.0);
    }

    @Test
    void shouldGiveAKeptLeaseToTheNextRequestWithoutACallAndBackToRedisAfterTheReuseWindow() {
        AdmissionSetup setup = onePermit("kept");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RedisAdmissionControl control = withReuse(setup, Duration.ofSeconds(2), ticker, registry);
        Lease first = join(control.acquire(fx.request(HIGH, "api", "calls"), WAIT));
        control.release(first).toCompletableFuture().join();
        assertThat(kept(registry)).isEqualTo(1.0);

        long calls = control.redisCalls();
        CompletableFuture<Lease> next = control.acquire(fx.request(HIGH, "api", "calls"), WAIT).toCompletableFuture();
        assertThat(next).as("granted at once, from the kept lease").isDone();
        assertThat(next.join().leaseId()).isEqualTo(first.leaseId());
        assertThat(control.redisCalls()).as("no call to Redis").isEqualTo(calls);
        assertThat(registry.counter("harvest.admission.leases.reused").count()).isEqualTo(1.0);
        assertThat(waits(registry, "handed-over").count()).isEqualTo(1);

        control.release(next.join()).toCompletableFuture().join();
        assertThat(leaseInRedis(setup, first)).isTrue();
        ticker.jump(Duration.ofSeconds(3));
        await().atMost(WAIT).until(() -> !leaseInRedis(setup, first));
        assertThat(kept(registry)).isZero();
        assertThat(semaphoreUsed(setup, "calls")).as("back in Redis once older than the reuse window").isZero();
    }

    @Test
    void shouldGiveAKeptLeaseBackToRedisAtOnceWhenAnotherInstanceWaitsForIt() {
        AdmissionSetup setup = onePermit("kept-contended");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RedisAdmissionControl a = withReuse(setup, Duration.ofMinutes(1), System::nanoTime, registry);
        RedisAdmissionControl b = fx.control(fx.clients(REDIS.settings()), setup, AdmissionOptions.defaults(),
                System::nanoTime, new SimpleMeterRegistry());
        Lease held = join(a.acquire(fx.request(HIGH, "api", "calls"), WAIT));
        a.release(held).toCompletableFuture().join();
        assertThat(kept(registry)).isEqualTo(1.0);

        // Well within the minute-long reuse window: b is told that nothing is free, says so, and a gives it back.
        Lease granted = join(b.acquire(fx.request(HIGH, "api", "calls"), WAIT));
        assertThat(granted.fencingToken()).isGreaterThan(held.fencingToken());
        assertThat(kept(registry)).isZero();
        assertThat(a.isHeld(held)).isFalse();
    }

    @Test
    void shouldGiveAKeptLeaseBackToRedisForALessImportantLaneAndToAMoreImportantOneAtOnce() {
        AdmissionSetup setup = onePermit("kept-lanes");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RedisAdmissionControl control = withReuse(setup, Duration.ofMinutes(1), System::nanoTime, registry);
        Lease high = join(control.acquire(fx.request(HIGH, "api", "calls"), WAIT));
        control.release(high).toCompletableFuture().join();
        assertThat(kept(registry)).isEqualTo(1.0);

        // Redis decides whether a lower lane may have what a higher one was granted (reserved permits): the low
        // request is refused there, and the kept lease goes back to Redis, well within the reuse window.
        Lease low = join(control.acquire(fx.request(LOW, "api", "calls"), WAIT));
        assertThat(low.fencingToken()).isGreaterThan(high.fencingToken());
        assertThat(control.isHeld(high)).isFalse();
        control.release(low).toCompletableFuture().join();
        assertThat(kept(registry)).isEqualTo(1.0);

        // What a lower lane may hold, a higher one may too: taken at once.
        CompletableFuture<Lease> next = control.acquire(fx.request(HIGH, "api", "calls"), WAIT).toCompletableFuture();
        assertThat(next).isDone();
        assertThat(next.join().leaseId()).isEqualTo(low.leaseId());
        assertThat(kept(registry)).isZero();
    }

    @Test
    void shouldGiveKeptLeasesBackToRedisOnClose() {
        AdmissionSetup setup = onePermit("kept-close");
        RedisAdmissionControl control = fx.control(fx.clients(REDIS.settings()), setup);
        Lease first = join(control.acquire(fx.request(HIGH, "api", "calls"), WAIT));
        control.release(first).toCompletableFuture().join();
        assertThat(leaseInRedis(setup, first)).isTrue();

        control.close();

        assertThat(leaseInRedis(setup, first)).isFalse();
        assertThat(semaphoreUsed(setup, "calls")).isZero();
    }

    private RedisAdmissionControl withReuse(AdmissionSetup setup, Duration window, LongSupplier ticker,
                                            SimpleMeterRegistry registry) {
        return fx.control(fx.clients(REDIS.settings()), setup, AdmissionOptions.defaults().withLeaseReuse(window),
                ticker, registry);
    }

    /** One key of cap 1 in pool "api" and one permit of "calls", leases of 30 s. */
    private static AdmissionSetup onePermit(String name) {
        return setup(uniquePipeline(name), List.of(pool("api", 1, null, "k1")),
                List.of(permits("calls", 1, Duration.ofSeconds(30), Map.of())));
    }

    private static double kept(SimpleMeterRegistry registry) {
        return registry.get(MetricNames.LEASES_KEPT).gauge().value();
    }

    @Test
    void shouldGiveLeaseBackToRedisWhileAnotherInstanceWaitsForIt() {
        AdmissionSetup setup = setup(uniquePipeline("contended"), List.of(pool("api", 1, null, "k1")),
                List.of(permits("calls", 1, Duration.ofSeconds(5), Map.of())));
        RedisAdmissionControl a = fx.control(fx.clients(REDIS.settings()), setup, AdmissionOptions.defaults(),
                System::nanoTime, new SimpleMeterRegistry());
        RedisAdmissionControl b = fx.control(fx.clients(REDIS.settings()), setup, AdmissionOptions.defaults(),
                System::nanoTime, new SimpleMeterRegistry());
        Lease held = join(a.acquire(fx.request(HIGH, "api", "calls"), WAIT));
        CompletableFuture<Lease> other = b.acquire(fx.request(HIGH, "api", "calls"), WAIT).toCompletableFuture();
        await().atMost(WAIT).until(() -> a.reuse().contended("api", "calls"));
        CompletableFuture<Lease> local = queued(a);

        a.release(held).toCompletableFuture().join();

        Lease granted = other.join();
        assertThat(granted.fencingToken()).isGreaterThan(held.fencingToken());
        assertThat(local).as("the local waiter did not jump the queue").isNotDone();
        b.release(granted).toCompletableFuture().join();
        assertThat(local.join().fencingToken()).isGreaterThan(granted.fencingToken());
    }

    @Test
    void shouldNotHandOverToLowerLaneWhileHigherLaneWaitsHere() {
        AdmissionSetup setup = setup(uniquePipeline("lanes"), List.of(pool("api", 1, null, "k1")),
                List.of(permits("calls", 1, Duration.ofSeconds(5), Map.of())));
        RedisAdmissionControl control = fx.control(fx.clients(REDIS.settings()), setup);
        Lease low = join(control.acquire(fx.request(LOW, "api", "calls"), WAIT));
        CompletableFuture<Lease> nextLow = queued(control, LOW);
        CompletableFuture<Lease> high = queued(control, HIGH);

        control.release(low).toCompletableFuture().join();

        Lease highLease = high.join();
        assertThat(highLease.leaseId()).isNotEqualTo(low.leaseId());
        assertThat(nextLow).isNotDone();
        control.release(highLease).toCompletableFuture().join();
        assertThat(nextLow.join().fencingToken()).isGreaterThan(highLease.fencingToken());
    }

    @Test
    void shouldNotHandOverKeyThatWasRateLimitedHere() {
        AdmissionSetup setup = setup(uniquePipeline("cooling"), List.of(pool("api", 1, Duration.ofSeconds(30), "k1", "k2")),
                List.of(permits("calls", 1, Duration.ofSeconds(5), Map.of())));
        RedisAdmissionControl control = fx.control(fx.clients(REDIS.settings()), setup);
        Lease limited = join(control.acquire(fx.request(HIGH, "api", "calls"), WAIT));
        CompletableFuture<Lease> next = queued(control);

        control.cooldown(limited, Duration.ofSeconds(1)).toCompletableFuture().join();
        control.release(limited).toCompletableFuture().join();

        Lease other = next.join();
        assertThat(other.leaseId()).isNotEqualTo(limited.leaseId());
        assertThat(other.keyId()).isNotEqualTo(limited.keyId());
    }

    @Test
    void shouldGiveLeaseBackOnceOlderThanReuseWindow() {
        AdmissionSetup setup = onePermit("window");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RedisAdmissionControl control = withReuse(setup, Duration.ofSeconds(2), ticker, registry);
        Lease first = join(control.acquire(fx.request(HIGH, "api", "calls"), WAIT));
        CompletableFuture<Lease> second = queued(control);
        control.release(first).toCompletableFuture().join();
        Lease reused = second.join();
        assertThat(reused.leaseId()).isEqualTo(first.leaseId());

        CompletableFuture<Lease> third = queued(control);
        ticker.jump(Duration.ofSeconds(3));
        control.release(reused).toCompletableFuture().join();

        Lease fresh = third.join();
        assertThat(fresh.leaseId()).isNotEqualTo(first.leaseId());
        assertThat(fresh.fencingToken()).isGreaterThan(first.fencingToken());
        assertThat(leaseInRedis(setup, first)).isFalse();

        // Each wait is timed by how its lease came: Redis at once, a hand-over, Redis after a refusal.
        assertThat(waits(registry, "first-call").count()).isEqualTo(1);
        assertThat(waits(registry, "handed-over").count()).isEqualTo(1);
        Timer afterRefusal = waits(registry, "after-refusal");
        assertThat(afterRefusal.count()).isEqualTo(1);
        assertThat(afterRefusal.totalTime(TimeUnit.SECONDS)).as("from its submission, on the admission's clock")
                .isGreaterThanOrEqualTo(3);
    }

    private static Timer waits(SimpleMeterRegistry registry, String path) {
        return registry.get(MetricNames.ADMISSION_REDIS_WAIT).tag("path", path).timer();
    }

    @Test
    void shouldGiveBackLeaseThatNeverReachedTheProvider() {
        AdmissionSetup setup = setup(uniquePipeline("unused"), List.of(pool("api", 1, null, "k1")),
                List.of(permits("calls", 1, Duration.ofSeconds(5), Map.of())));
        RedisAdmissionControl control = fx.control(fx.clients(REDIS.settings()), setup);
        Lease first = join(control.acquire(fx.request(HIGH, "api", "calls"), WAIT));
        CompletableFuture<Lease> next = queued(control);

        control.release(first, 0.0).toCompletableFuture().join();

        assertThat(next.join().leaseId()).isNotEqualTo(first.leaseId());
    }

    @Test
    void shouldAlwaysGiveBackLeasesOfMeteredKeys() {
        KeyPoolConfig metered = new KeyPoolConfig("api", 1, null,
                List.of(new KeyConfig("k1", "secret-of-k1", null, null)), false,
                new RateLimit(1000, Duration.ofSeconds(1)), null);
        AdmissionSetup setup = setup(uniquePipeline("metered"), List.of(metered),
                List.of(permits("calls", 1, Duration.ofSeconds(5), Map.of())));
        RedisAdmissionControl control = fx.control(fx.clients(REDIS.settings()), setup);
        Lease first = join(control.acquire(fx.request(HIGH, "api", "calls"), WAIT));
        CompletableFuture<Lease> next = queued(control);

        control.release(first).toCompletableFuture().join();

        assertThat(next.join().leaseId()).isNotEqualTo(first.leaseId());
    }

    private CompletableFuture<Lease> queued(RedisAdmissionControl control) {
        return queued(control, HIGH);
    }

    /** A request of {@code control} that Redis has answered "nothing free" and that waits in its queue. */
    private CompletableFuture<Lease> queued(RedisAdmissionControl control, Lane lane) {
        long calls = control.redisCalls();
        int waiting = control.waitingCount();
        CompletableFuture<Lease> f = control.acquire(fx.request(lane, "api", "calls"), WAIT).toCompletableFuture();
        await().atMost(WAIT).until(() -> control.redisCalls() > calls && control.waitingCount() == waiting + 1);
        return f;
    }

    private static boolean leaseInRedis(AdmissionSetup setup, Lease lease) {
        try (RedisClients clients = RedisClients.connect(REDIS.settings())) {
            return clients.async().zscore(new KeySpace(setup.pipeline()).leases(), lease.leaseId())
                    .toCompletableFuture().join() != null;
        }
    }

    private static long semaphoreUsed(AdmissionSetup setup, String semaphore) {
        try (RedisClients clients = RedisClients.connect(REDIS.settings())) {
            String used = clients.async().hget(new KeySpace(setup.pipeline()).semaphore(semaphore), "used")
                    .toCompletableFuture().join();
            return used == null ? 0 : Long.parseLong(used);
        }
    }
}
