package dev.harvest.lease.redis;

import static dev.harvest.lease.redis.AdmissionFixtures.HIGH;
import static dev.harvest.lease.redis.AdmissionFixtures.LOW;
import static dev.harvest.lease.redis.AdmissionFixtures.join;
import static dev.harvest.lease.redis.AdmissionFixtures.permits;
import static dev.harvest.lease.redis.AdmissionFixtures.pool;
import static dev.harvest.lease.redis.AdmissionFixtures.setup;
import static dev.harvest.lease.redis.AdmissionFixtures.uniquePipeline;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.harvest.lease.AdmissionTimeoutException;
import dev.harvest.lease.KeyStatus;
import dev.harvest.lease.Lease;
import dev.harvest.metrics.MetricNames;
import dev.harvest.redis.RedisClients;
import dev.harvest.redis.ScriptReply;
import dev.harvest.testkit.RedisServerExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RedisAdmissionSemanticsIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private final AdmissionFixtures fx = new AdmissionFixtures();

    @AfterEach
    void closeAll() throws Exception {
        fx.close();
    }

    @Test
    void shouldIssueStrictlyIncreasingTokensWhenClientsRestart() {
        AdmissionSetup setup = setup(uniquePipeline("tokens"), List.of(pool("api", 2, null, "k1", "k2")),
                List.of(permits("calls", 3, Duration.ofSeconds(5), Map.of())));
        List<Long> tokens = new ArrayList<>();
        for (int client = 0; client < 3; client++) {
            try (RedisClients clients = RedisClients.connect(REDIS.settings());
                 // Redis's own grants: each release back in Redis at once, not kept for the next request.
                 RedisAdmissionControl control = new RedisAdmissionControl(clients, setup,
                         AdmissionOptions.defaults().withoutKeptLeases(), System::nanoTime,
                         new SimpleMeterRegistry()).start()) {
                for (int i = 0; i < 20; i++) {
                    Lease lease = join(control.acquire(fx.request(HIGH, "api", "calls"), Duration.ofSeconds(2)));
                    tokens.add(lease.fencingToken());
                    control.release(lease).toCompletableFuture().join();
                }
            }
        }

        assertThat(tokens).hasSize(60).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void shouldPickLeastLoadedKeyWhenKeysHaveSpareCapacity() {
        AdmissionSetup setup = setup(uniquePipeline("least"), List.of(pool("api", 2, null, "k1", "k2", "k3")), List.of());
        RedisAdmissionControl control = fx.control(fx.clients(REDIS.settings()), setup);

        List<Lease> first = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            first.add(join(control.acquire(fx.request(HIGH, "api", null), Duration.ofSeconds(1))));
        }
        List<Lease> second = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            second.add(join(control.acquire(fx.request(HIGH, "api", null), Duration.ofSeconds(1))));
        }

        assertThat(first).extracting(Lease::keyId).containsExactlyInAnyOrder("k1", "k2", "k3");
        assertThat(second).extracting(Lease::keyId).containsExactlyInAnyOrder("k1", "k2", "k3");
        assertThat(control.tryAcquire(fx.request(HIGH, "api", null)).toCompletableFuture().join()).isEmpty();
        assertThat(new RedisKeyPool(fx.clients(REDIS.settings()), setup.pipeline()).list("api"))
                .extracting(KeyStatus::inUse).containsOnly(2);
    }

    @Test
    void shouldGrantHighLaneWhenLowLaneFloodsTheSemaphore() {
        AdmissionSetup setup = setup(uniquePipeline("reserve"), List.of(),
                List.of(permits("calls", 4, Duration.ofSeconds(5), Map.of("high", 2))));
        RedisAdmissionControl one = fx.control(fx.clients(REDIS.settings()), setup);
        RedisAdmissionControl two = fx.control(fx.clients(REDIS.settings()), setup);
        List<CompletableFuture<Lease>> flood = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            RedisAdmissionControl control = i % 2 == 0 ? one : two;
            flood.add(control.acquire(fx.request(LOW, null, "calls"), Duration.ofSeconds(20)).toCompletableFuture());
        }
        await("low lane holds all it may take").atMost(Duration.ofSeconds(5))
                .until(() -> flood.stream().filter(CompletableFuture::isDone).count() == 2);

        Optional<Lease> high1 = one.tryAcquire(fx.request(HIGH, null, "calls")).toCompletableFuture().join();
        Optional<Lease> high2 = two.tryAcquire(fx.request(HIGH, null, "calls")).toCompletableFuture().join();
        Optional<Lease> high3 = two.tryAcquire(fx.request(HIGH, null, "calls")).toCompletableFuture().join();

        assertThat(high1).isPresent();
        assertThat(high2).isPresent();
        assertThat(high3).isEmpty();
        assertThat(flood.stream().filter(CompletableFuture::isDone).count()).isEqualTo(2);
    }

    @Test
    void shouldGrantWaitersInLanePriorityOrderWhenCapacityFrees() {
        AdmissionSetup setup = setup(uniquePipeline("order"), List.of(),
                List.of(permits("calls", 1, Duration.ofSeconds(5), Map.of())));
        RedisAdmissionControl control = fx.control(fx.clients(REDIS.settings()), setup);
        Lease holder = join(control.acquire(fx.request(HIGH, null, "calls"), Duration.ofSeconds(1)));
        List<String> granted = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        String[] names = {"low-1", "high-1", "low-2", "high-2"};
        for (String name : names) {
            all.add(control.acquire(fx.request(name.startsWith("high") ? HIGH : LOW, null, "calls"), Duration.ofSeconds(10))
                    .thenCompose(lease -> {
                        granted.add(name);
                        return control.release(lease);
                    }).toCompletableFuture());
        }
        await("all four are queued").atMost(Duration.ofSeconds(2)).until(() -> control.waitingCount() == 4);

        control.release(holder);
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();

        assertThat(granted).containsExactly("high-1", "high-2", "low-1", "low-2");
    }

    /** Under {@link RequestTimeouts#SWEPT_FROM} a wait has a timer task of its own; from it on, the sweep's. */
    @ParameterizedTest(name = "wait {0} ms")
    @ValueSource(ints = {300, 1000})
    void shouldFailWithTimeoutOnTimeAndLeakNothingWhenNothingFreesUp(int waitMillis) {
        AdmissionSetup setup = setup(uniquePipeline("timeout-" + waitMillis), List.of(),
                List.of(permits("calls", 1, Duration.ofSeconds(5), Map.of())));
        RedisClients clients = fx.clients(REDIS.settings());
        // Redis's own grants: each release back in Redis at once, so that a leak would show there.
        RedisAdmissionControl control = fx.control(clients, setup, AdmissionOptions.defaults().withoutKeptLeases(),
                System::nanoTime, new SimpleMeterRegistry());
        Lease holder = join(control.acquire(fx.request(HIGH, null, "calls"), Duration.ofSeconds(1)));
        Duration wait = Duration.ofMillis(waitMillis);

        long start = System.nanoTime();
        CompletableFuture<Lease> waiting = control.acquire(fx.request(HIGH, null, "calls"), wait).toCompletableFuture();
        assertThatThrownBy(waiting::join).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(AdmissionTimeoutException.class);
        long waitedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(waitedMillis).as("not before its wait, and soon after").isGreaterThanOrEqualTo(waitMillis)
                .isLessThan(waitMillis + 500);
        control.release(holder).toCompletableFuture().join();
        Lease granted = join(control.acquire(fx.request(HIGH, null, "calls"), wait));
        control.release(granted).toCompletableFuture().join();
        assertThat(new RedisPermitSemaphore(clients, setup.pipeline()).inUse("calls")).isZero();
        assertThat(control.waitingCount()).isZero();
        assertThat(control.longWaitsTracked()).as("a granted request is no longer tracked").isZero();
    }

    @Test
    void shouldReturnSameGrantWhenAcquireCallIsReplayed() {
        AdmissionSetup setup = setup(uniquePipeline("replay"), List.of(pool("api", 1, null, "k1", "k2")),
                List.of(permits("calls", 2, Duration.ofSeconds(5), Map.of())));
        RedisClients clients = fx.clients(REDIS.settings());
        fx.control(clients, setup);
        AdmissionScripts scripts = new AdmissionScripts(clients.async(), new KeySpace(setup.pipeline()), new SimpleMeterRegistry());
        List<String> args = List.of("16", "instance-x", "50", "1000", "1", "0:api:calls", "1",
                "1", "lease-x", "api", "calls", "0", "5000", "1", "1000000");

        ScriptReply first = scripts.run(AdmissionScripts.ACQUIRE, args).toCompletableFuture().join();
        ScriptReply replay = scripts.run(AdmissionScripts.ACQUIRE, args).toCompletableFuture().join();

        assertThat(first.intAt(3)).isEqualTo(1);
        assertThat(replay.intAt(3)).isEqualTo(1);
        assertThat(replay.longAt(4)).isEqualTo(first.longAt(4));
        assertThat(replay.stringAt(5)).isEqualTo(first.stringAt(5));
        assertThat(new RedisPermitSemaphore(clients, setup.pipeline()).inUse("calls")).isEqualTo(1);
    }

    @Test
    void shouldIgnoreReleaseWhenTokenIsNotTheHolders() {
        AdmissionSetup setup = setup(uniquePipeline("stale"), List.of(), List.of(permits("calls", 1, Duration.ofSeconds(5), Map.of())));
        RedisClients clients = fx.clients(REDIS.settings());
        RedisAdmissionControl control = fx.control(clients, setup);
        Lease lease = join(control.acquire(fx.request(HIGH, null, "calls"), Duration.ofSeconds(1)));
        Lease forged = new Lease(lease.leaseId(), lease.fencingToken() - 1, null, null, "calls", lease.deadlineNanos());

        control.release(forged).toCompletableFuture().join();
        assertThat(new RedisPermitSemaphore(clients, setup.pipeline()).inUse("calls")).isEqualTo(1);
        control.release(lease).toCompletableFuture().join();
        control.release(lease).toCompletableFuture().join();
        assertThat(new RedisPermitSemaphore(clients, setup.pipeline()).inUse("calls")).isZero();
    }

    @Test
    void shouldKeepLeaseHeldWhileRenewalsRun() {
        AdmissionSetup setup = setup(uniquePipeline("renew"), List.of(), List.of(permits("calls", 1, Duration.ofMillis(600), Map.of())));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RedisAdmissionControl holder = fx.control(fx.clients(REDIS.settings()), setup, AdmissionOptions.defaults(),
                System::nanoTime, registry);
        RedisAdmissionControl other = fx.control(fx.clients(REDIS.settings()), setup);
        Lease lease = join(holder.acquire(fx.request(HIGH, null, "calls"), Duration.ofSeconds(1)));

        await("several TTLs pass").pollDelay(Duration.ofMillis(1800)).atMost(Duration.ofSeconds(3)).until(() -> true);

        assertThat(holder.isHeld(lease)).isTrue();
        assertThat(other.tryAcquire(fx.request(HIGH, null, "calls")).toCompletableFuture().join()).isEmpty();
        assertThat(registry.get(MetricNames.REDIS_CALLS).tag("type", "renew").counter().count()).isGreaterThanOrEqualTo(4);
        assertThat(registry.find(MetricNames.LEASES_LOST).counter()).isNull();
    }

    @Test
    void shouldBatchAcquisitionsWhenManyArriveTogether() {
        AdmissionSetup setup = setup(uniquePipeline("batch"), List.of(pool("api", 50, null, "k1", "k2")),
                List.of(permits("calls", 100, Duration.ofSeconds(5), Map.of())));
        RedisAdmissionControl control = fx.control(fx.clients(REDIS.settings()), setup);
        long before = control.redisCalls();
        int timerTasks = control.timerTasks();
        // Redis holds every command for a moment, so the first call is still out while the other 99 arrive, however
        // the round trip compares with the loop on this machine: they have to wait for the next call, together.
        fx.clients(REDIS.settings()).async().clientPause(300).toCompletableFuture().join();

        List<CompletableFuture<Lease>> leases = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            // A wait under SWEPT_FROM: each request gets a timeout task of its own, cancelled when granted.
            leases.add(control.acquire(fx.request(i % 2 == 0 ? HIGH : LOW, "api", "calls"), Duration.ofMillis(900))
                    .toCompletableFuture());
        }
        List<Lease> granted = leases.stream().map(CompletableFuture::join).toList();
        granted.forEach(control::release);
        await("all released").atMost(Duration.ofSeconds(2)).until(() -> control.heldCount() == 0);

        assertThat(granted.stream().map(Lease::keyId).collect(Collectors.groupingBy(k -> k, Collectors.counting())))
                .containsEntry("k1", 50L).containsEntry("k2", 50L);
        assertThat(control.redisCalls() - before).as("acquisitions and releases, batched").isLessThan(20);
        assertThat(control.timerTasks()).as("a granted request leaves no timeout behind").isEqualTo(timerTasks);
    }
}
