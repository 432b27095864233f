package dev.harvest.lease.local;

import dev.harvest.testkit.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.config.Budget;
import dev.harvest.config.KeyConfig;
import dev.harvest.config.KeyPoolConfig;
import dev.harvest.config.LaneConfig;
import dev.harvest.config.PermitConfig;
import dev.harvest.config.RateLimit;
import dev.harvest.lease.AdmissionRequest;
import dev.harvest.lease.AdmissionTimeoutException;
import dev.harvest.lease.LanePriorities;
import dev.harvest.lease.Lease;
import dev.harvest.task.Lane;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InJvmAdmissionControlTest {

    private static final Lane HIGH = new Lane("high", 0);
    private static final Lane NORMAL = new Lane("normal", 1);
    private static final Lane LOW = new Lane("low", 2);
    private static final List<LaneConfig> LANES = List.of(
            new LaneConfig("high", "t.high", 1, 10),
            new LaneConfig("normal", "t.normal", 1, 10),
            new LaneConfig("low", "t.low", 1, 10));

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    private InJvmAdmissionControl admission;

    @AfterEach
    void tearDown() {
        if (admission != null) {
            admission.close();
        }
        scheduler.shutdownNow();
    }

    // ---------------------------------------------------------------- caps under concurrency

    @Test
    void shouldNeverExceedPerKeyCapOrPermitsWhenSixteenThreadsCompete() throws Exception {
        admission = control(List.of(pool("pool", 2, Duration.ofSeconds(1), "k1", "k2", "k3")),
                List.of(permits("calls", 4, Map.of())));
        Map<String, AtomicInteger> perKey = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> perKeyMax = new ConcurrentHashMap<>();
        AtomicInteger permitsNow = new AtomicInteger();
        AtomicInteger permitsMax = new AtomicInteger();
        AtomicInteger leases = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(16);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int t = 0; t < 16; t++) {
                int thread = t;
                done.add(threads.submit(() -> {
                    start.await();
                    for (int i = 0; i < 150; i++) {
                        AdmissionRequest request = switch ((thread + i) % 3) {
                            case 0 -> new AdmissionRequest("t" + thread + "-" + i, HIGH, "pool", null);
                            case 1 -> new AdmissionRequest("t" + thread + "-" + i, HIGH, null, "calls");
                            default -> new AdmissionRequest("t" + thread + "-" + i, HIGH, "pool", "calls");
                        };
                        Lease lease = admission.acquire(request, Duration.ofSeconds(10)).toCompletableFuture()
                                .get(10, TimeUnit.SECONDS);
                        leases.incrementAndGet();
                        enter(lease, perKey, perKeyMax, permitsNow, permitsMax);
                        for (int spin = ThreadLocalRandom.current().nextInt(50); spin > 0; spin--) {
                            Thread.onSpinWait();
                        }
                        leave(lease, perKey, permitsNow);
                        admission.release(lease).toCompletableFuture().get(10, TimeUnit.SECONDS);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(20, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }

        assertThat(leases).hasValue(16 * 150);
        // Which keys get used depends on how the threads happen to overlap; the caps must hold whatever it is.
        assertThat(perKeyMax).isNotEmpty();
        assertThat(perKeyMax.keySet()).isSubsetOf("k1", "k2", "k3");
        assertThat(perKeyMax.values()).allSatisfy(max -> assertThat(max.get()).isBetween(1, 2));
        assertThat(permitsMax.get()).isBetween(1, 4);
        assertThat(admission.permitsInUse("calls")).isZero();
        assertThat(List.of("k1", "k2", "k3")).allSatisfy(k -> assertThat(admission.keyInUse("pool", k)).isZero());
    }

    @Test
    void shouldTakeKeyAndPermitTogetherOrNeitherWhenOneIsMissing() {
        admission = control(List.of(pool("pool", 1, Duration.ofSeconds(1), "k1")), List.of(permits("calls", 2, Map.of())));
        tryAcquire(new AdmissionRequest("p1", HIGH, null, "calls")).orElseThrow();
        tryAcquire(new AdmissionRequest("p2", HIGH, null, "calls")).orElseThrow();

        assertThat(tryAcquire(new AdmissionRequest("both", HIGH, "pool", "calls"))).isEmpty();
        assertThat(admission.keyInUse("pool", "k1")).isZero();
        assertThat(admission.permitsInUse("calls")).isEqualTo(2);
    }

    @Test
    void shouldNotTakePermitWhenNoKeyIsFree() {
        admission = control(List.of(pool("pool", 1, Duration.ofSeconds(1), "k1")), List.of(permits("calls", 5, Map.of())));
        tryAcquire(new AdmissionRequest("k", HIGH, "pool", null)).orElseThrow();

        assertThat(tryAcquire(new AdmissionRequest("both", HIGH, "pool", "calls"))).isEmpty();
        assertThat(admission.permitsInUse("calls")).isZero();
    }

    // ---------------------------------------------------------------- key choice

    @Test
    void shouldPickLeastLoadedKeyWhenClaiming() {
        admission = control(List.of(pool("pool", 3, Duration.ofSeconds(1), "k1", "k2", "k3")), List.of());
        List<Lease> first = IntStream.range(0, 6)
                .mapToObj(i -> tryAcquire(new AdmissionRequest("t" + i, HIGH, "pool", null)).orElseThrow())
                .toList();
        assertThat(first).extracting(Lease::keyId).containsExactly("k1", "k2", "k3", "k1", "k2", "k3");

        first.stream().filter(l -> l.keyId().equals("k3")).forEach(admission::release);
        Lease next = tryAcquire(new AdmissionRequest("n", HIGH, "pool", null)).orElseThrow();

        assertThat(next.keyId()).isEqualTo("k3");
        assertThat(admission.keyInUse("pool", "k1")).isEqualTo(2);
        assertThat(admission.keyInUse("pool", "k3")).isEqualTo(1);
    }

    @Test
    void shouldRefuseWhenEveryKeyIsAtItsCap() {
        admission = control(List.of(pool("pool", 2, Duration.ofSeconds(1), "k1", "k2")), List.of());
        for (int i = 0; i < 4; i++) {
            tryAcquire(new AdmissionRequest("t" + i, HIGH, "pool", null)).orElseThrow();
        }

        assertThat(tryAcquire(new AdmissionRequest("x", HIGH, "pool", null))).isEmpty();
    }

    @Test
    void shouldIssueIncreasingFencingTokensWhenGranting() {
        admission = control(List.of(pool("pool", 5, Duration.ofSeconds(1), "k1")), List.of());
        Lease a = tryAcquire(new AdmissionRequest("a", HIGH, "pool", null)).orElseThrow();
        admission.release(a);
        Lease b = tryAcquire(new AdmissionRequest("b", HIGH, "pool", null)).orElseThrow();

        assertThat(b.fencingToken()).isGreaterThan(a.fencingToken());
        assertThat(b.leaseId()).isNotEqualTo(a.leaseId());
    }

    // ---------------------------------------------------------------- reservations and priority

    @Test
    void shouldSumReservationsOfHigherLanesWhenComputingReservedAbove() {
        PermitConfig config = permits("calls", 10, Map.of("high", 3, "normal", 2));

        assertThat(LanePriorities.reservedAbove(config, LANES, "high")).isZero();
        assertThat(LanePriorities.reservedAbove(config, LANES, "normal")).isEqualTo(3);
        assertThat(LanePriorities.reservedAbove(config, LANES, "low")).isEqualTo(5);
        assertThat(LanePriorities.reservedAboveByLane(config, LANES)).isEqualTo(Map.of("high", 0, "normal", 3, "low", 5));
    }

    @Test
    void shouldKeepReservedPermitsForHighLaneWhenLowLaneFloods() {
        admission = control(List.of(), List.of(permits("calls", 10, Map.of("high", 3))));
        List<CompletableFuture<Lease>> flood = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            flood.add(admission.acquire(new AdmissionRequest("low-" + i, LOW, null, "calls"), Duration.ofSeconds(30))
                    .toCompletableFuture());
            tryAcquire(new AdmissionRequest("low-try-" + i, LOW, null, "calls"));
            tryAcquire(new AdmissionRequest("normal-try-" + i, NORMAL, null, "calls"));
        }
        assertThat(admission.permitsInUse("calls")).isEqualTo(7);
        long lowGranted = flood.stream().filter(CompletableFuture::isDone).count();

        List<Optional<Lease>> high = IntStream.range(0, 4)
                .mapToObj(i -> tryAcquire(new AdmissionRequest("high-" + i, HIGH, null, "calls"))).toList();

        assertThat(high).hasSize(4);
        assertThat(high.subList(0, 3)).allSatisfy(l -> assertThat(l).isPresent());
        assertThat(high.get(3)).isEmpty();
        admission.release(high.get(0).orElseThrow());
        assertThat(flood.stream().filter(CompletableFuture::isDone).count())
                .as("low waiters granted while only reserved permits were free").isEqualTo(lowGranted);
        assertThat(admission.permitsInUse("calls")).isEqualTo(9);
    }

    @Test
    void shouldGrantWaitersInLanePriorityThenFifoOrderWhenPermitsFreeUp() {
        admission = control(List.of(), List.of(permits("calls", 1, Map.of())));
        Lease holder = tryAcquire(new AdmissionRequest("holder", HIGH, null, "calls")).orElseThrow();
        List<String> granted = Collections.synchronizedList(new ArrayList<>());
        Map<String, CompletableFuture<Lease>> waiting = new ConcurrentHashMap<>();
        for (String[] w : new String[][] {{"low-1", "low"}, {"low-2", "low"}, {"normal-1", "normal"},
                {"high-1", "high"}, {"normal-2", "normal"}, {"high-2", "high"}}) {
            Lane lane = w[1].equals("high") ? HIGH : w[1].equals("normal") ? NORMAL : LOW;
            CompletableFuture<Lease> f = admission.acquire(new AdmissionRequest(w[0], lane, null, "calls"),
                    Duration.ofSeconds(30)).toCompletableFuture();
            f.thenAccept(l -> granted.add(w[0]));
            waiting.put(w[0], f);
        }
        assertThat(granted).isEmpty();

        Lease current = holder;
        for (int i = 0; i < 6; i++) {
            admission.release(current);
            assertThat(granted).hasSize(i + 1);
            current = waiting.get(granted.get(i)).join();
        }

        assertThat(granted).containsExactly("high-1", "high-2", "normal-1", "normal-2", "low-1", "low-2");
    }

    @Test
    void shouldLetALowerWaiterThroughWhenTheHigherOneDoesNotFit() {
        admission = control(List.of(pool("pool", 1, Duration.ofSeconds(1), "k1")), List.of(permits("calls", 1, Map.of())));
        Lease key = tryAcquire(new AdmissionRequest("key-holder", HIGH, "pool", null)).orElseThrow();
        Lease permit = tryAcquire(new AdmissionRequest("permit-holder", HIGH, null, "calls")).orElseThrow();
        CompletableFuture<Lease> highNeedsKey = admission.acquire(
                new AdmissionRequest("high", HIGH, "pool", null), Duration.ofSeconds(30)).toCompletableFuture();
        CompletableFuture<Lease> lowNeedsPermit = admission.acquire(
                new AdmissionRequest("low", LOW, null, "calls"), Duration.ofSeconds(30)).toCompletableFuture();

        admission.release(permit);

        assertThat(lowNeedsPermit).isDone();
        assertThat(highNeedsKey).isNotDone();
        admission.release(key);
        assertThat(highNeedsKey).isDone();
    }

    @Test
    void shouldLetACheaperRequestOfTheSameLanePassACostlierOneThatDoesNotFitTheBudget() {
        admission = control(List.of(limited("pool", null, new Budget(10.0, Duration.ofMinutes(1)), "k1")), List.of());
        Lease big = tryAcquire(new AdmissionRequest("big", HIGH, "pool", null, 8)).orElseThrow();
        CompletableFuture<Lease> costly = admission.acquire(new AdmissionRequest("costly", HIGH, "pool", null, 5),
                Duration.ofSeconds(30)).toCompletableFuture();
        CompletableFuture<Lease> cheap = admission.acquire(new AdmissionRequest("cheap", HIGH, "pool", null, 1),
                Duration.ofSeconds(30)).toCompletableFuture();

        assertThat(cheap).as("the cheaper request fits what is left").isCompleted();
        assertThat(costly).isNotDone();
        admission.release(big, 0.0);
        assertThat(costly).isCompleted();
    }

    @Test
    void shouldServeALongLineInOrderOneGrantPerRelease() {
        admission = control(List.of(), List.of(permits("calls", 2, Map.of())));
        Lease first = tryAcquire(new AdmissionRequest("h1", NORMAL, null, "calls")).orElseThrow();
        Lease second = tryAcquire(new AdmissionRequest("h2", NORMAL, null, "calls")).orElseThrow();
        List<CompletableFuture<Lease>> line = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            line.add(admission.acquire(new AdmissionRequest("w" + i, NORMAL, null, "calls"), Duration.ofSeconds(30))
                    .toCompletableFuture());
        }
        CompletableFuture<Lease> high = admission.acquire(new AdmissionRequest("high", HIGH, null, "calls"),
                Duration.ofSeconds(30)).toCompletableFuture();

        admission.release(first);
        assertThat(high).as("a higher lane's waiter goes first").isCompleted();
        Lease current = second;
        for (int i = 0; i < line.size(); i++) {
            admission.release(current);
            assertThat(line.get(i)).isCompleted();
            if (i + 1 < line.size()) {
                assertThat(line.get(i + 1)).isNotDone();
            }
            current = line.get(i).join();
        }
        assertThat(admission.permitsInUse("calls")).isEqualTo(2);
    }

    @Test
    void shouldDropAGrantedRequestsTimeoutFromTheScheduler() {
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1);
        timers.setRemoveOnCancelPolicy(true);
        try {
            admission = new InJvmAdmissionControl(List.of(), List.of(permits("calls", 1, Map.of())), LANES, timers,
                    clock);
            Lease holder = tryAcquire(new AdmissionRequest("holder", HIGH, null, "calls")).orElseThrow();
            CompletableFuture<Lease> waiter = admission.acquire(new AdmissionRequest("w", HIGH, null, "calls"),
                    Duration.ofSeconds(30)).toCompletableFuture();
            assertThat(timers.getQueue()).hasSize(1);

            admission.release(holder);

            assertThat(waiter).isCompleted();
            assertThat(timers.getQueue()).as("its 30 s timeout is cancelled, not left to run").isEmpty();
        } finally {
            timers.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- timeouts

    @Test
    void shouldFailWithAdmissionTimeoutWhenNothingFreesUpInTime() {
        admission = control(List.of(), List.of(permits("calls", 1, Map.of())));
        Lease holder = tryAcquire(new AdmissionRequest("holder", HIGH, null, "calls")).orElseThrow();

        CompletableFuture<Lease> waiter = admission.acquire(new AdmissionRequest("late", HIGH, null, "calls"),
                Duration.ofMillis(50)).toCompletableFuture();

        assertThat(waiter).failsWithin(Duration.ofSeconds(3))
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(AdmissionTimeoutException.class)
                .withMessageContaining("permit of calls")
                .withMessageContaining("50ms");
        admission.release(holder);
        assertThat(admission.permitsInUse("calls")).as("the timed-out waiter must not be granted later").isZero();
    }

    @Test
    void shouldGrantAtOnceWithoutTimeoutWhenSomethingIsFree() {
        admission = control(List.of(), List.of(permits("calls", 1, Map.of())));

        CompletableFuture<Lease> lease = admission.acquire(new AdmissionRequest("t", HIGH, null, "calls"),
                Duration.ofMillis(1)).toCompletableFuture();

        assertThat(lease).isCompleted();
        assertThat(admission.isHeld(lease.join())).isTrue();
    }

    @Test
    void shouldFailWaitersWhenClosed() {
        admission = control(List.of(), List.of(permits("calls", 1, Map.of())));
        tryAcquire(new AdmissionRequest("holder", HIGH, null, "calls")).orElseThrow();
        CompletableFuture<Lease> waiter = admission.acquire(new AdmissionRequest("w", HIGH, null, "calls"),
                Duration.ofSeconds(30)).toCompletableFuture();

        admission.close();

        assertThat(waiter).isCompletedExceptionally();
    }

    // ---------------------------------------------------------------- rate and budget windows

    @Test
    void shouldAdmitAtMostRateRequestsPerWindowWhenClockAdvances() {
        admission = control(List.of(limited("pool", new RateLimit(2, Duration.ofSeconds(10)), null, "k1")), List.of());
        admission.release(tryAcquire(new AdmissionRequest("t1", HIGH, "pool", null)).orElseThrow());
        admission.release(tryAcquire(new AdmissionRequest("t2", HIGH, "pool", null)).orElseThrow());

        assertThat(tryAcquire(new AdmissionRequest("t3", HIGH, "pool", null))).isEmpty();
        clock.advance(Duration.ofMillis(9999));
        assertThat(tryAcquire(new AdmissionRequest("t3", HIGH, "pool", null))).isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(tryAcquire(new AdmissionRequest("t3", HIGH, "pool", null))).isPresent();
        assertThat(admission.requestsLeft("pool", "k1")).isEqualTo(1);
    }

    @Test
    void shouldSettleReservedCostWhenLeaseIsReleasedWithActualCost() {
        admission = control(List.of(limited("pool", null, new Budget(100.0, Duration.ofMinutes(1)), "k1")), List.of());
        Lease first = tryAcquire(new AdmissionRequest("t1", HIGH, "pool", null, 60)).orElseThrow();
        assertThat(tryAcquire(new AdmissionRequest("t2", HIGH, "pool", null, 60))).isEmpty();

        admission.release(first, 30.0);
        Lease second = tryAcquire(new AdmissionRequest("t2", HIGH, "pool", null, 60)).orElseThrow();
        admission.release(second, 75.5);

        assertThat(admission.charged("pool", "k1")).isEqualTo(105.5);
        assertThat(admission.budgetLeft("pool", "k1")).isZero();
        assertThat(tryAcquire(new AdmissionRequest("t3", HIGH, "pool", null))).isEmpty();
        clock.advance(Duration.ofMinutes(1));
        assertThat(admission.budgetLeft("pool", "k1")).isEqualTo(100.0);
    }

    @Test
    void shouldWakeWaiterWhenBudgetWindowHasRoomAgain() {
        admission = new InJvmAdmissionControl(List.of(limited("pool", null, new Budget(1.0, Duration.ofMillis(300)), "k1")),
                List.of(), LANES, scheduler, java.time.Clock.systemUTC());
        admission.release(admission.tryAcquire(new AdmissionRequest("t1", HIGH, "pool", null)).toCompletableFuture()
                .join().orElseThrow());
        long start = System.nanoTime();

        Lease next = admission.acquire(new AdmissionRequest("t2", HIGH, "pool", null), Duration.ofSeconds(5))
                .toCompletableFuture().join();

        assertThat(next.keyId()).isEqualTo("k1");
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(250).toNanos());
    }

    @Test
    void shouldFailAtOnceWhenCostIsAboveTheBudget() {
        admission = control(List.of(limited("pool", null, new Budget(10.0, Duration.ofMinutes(1)), "k1")), List.of());

        assertThat(admission.acquire(new AdmissionRequest("t1", HIGH, "pool", null, 11), Duration.ofSeconds(5))
                .toCompletableFuture()).isCompletedExceptionally();
    }

    // ---------------------------------------------------------------- 429 cooldown

    @Test
    void shouldKeepKeyOutUntilClockPassesRetryAfterWhenItIsLongerThanPoolCooldown() {
        admission = control(List.of(pool("pool", 1, Duration.ofSeconds(1), "k1", "k2")), List.of());
        Lease limited = tryAcquire(new AdmissionRequest("a", HIGH, "pool", null)).orElseThrow();
        assertThat(limited.keyId()).isEqualTo("k1");

        admission.cooldown(limited, Duration.ofSeconds(5));
        admission.release(limited);

        Lease other = tryAcquire(new AdmissionRequest("b", HIGH, "pool", null)).orElseThrow();
        assertThat(other.keyId()).isEqualTo("k2");
        assertThat(tryAcquire(new AdmissionRequest("c", HIGH, "pool", null))).isEmpty();
        clock.advance(Duration.ofMillis(4999));
        assertThat(tryAcquire(new AdmissionRequest("d", HIGH, "pool", null))).isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(tryAcquire(new AdmissionRequest("e", HIGH, "pool", null))).get()
                .extracting(Lease::keyId).isEqualTo("k1");
    }

    @Test
    void shouldUsePoolCooldownWhenRetryAfterIsShorter() {
        admission = control(List.of(pool("pool", 1, Duration.ofSeconds(2), "k1")), List.of());
        Lease limited = tryAcquire(new AdmissionRequest("a", HIGH, "pool", null)).orElseThrow();

        admission.cooldown(limited, Duration.ofMillis(100));
        admission.release(limited);

        clock.advance(Duration.ofMillis(1999));
        assertThat(tryAcquire(new AdmissionRequest("b", HIGH, "pool", null))).isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(tryAcquire(new AdmissionRequest("c", HIGH, "pool", null))).isPresent();
    }

    @Test
    void shouldIgnoreCooldownWhenLeaseHoldsNoKey() {
        admission = control(List.of(), List.of(permits("calls", 1, Map.of())));
        Lease permitOnly = tryAcquire(new AdmissionRequest("a", HIGH, null, "calls")).orElseThrow();

        assertThat(admission.cooldown(permitOnly, Duration.ofSeconds(5)).toCompletableFuture()).isCompleted();
        admission.release(permitOnly);
        assertThat(tryAcquire(new AdmissionRequest("b", HIGH, null, "calls"))).isPresent();
    }

    // ---------------------------------------------------------------- release

    @Test
    void shouldFreeOnlyOnceWhenTheSameLeaseIsReleasedTwice() {
        admission = control(List.of(pool("pool", 2, Duration.ofSeconds(1), "k1")), List.of(permits("calls", 2, Map.of())));
        Lease a = tryAcquire(new AdmissionRequest("a", HIGH, "pool", "calls")).orElseThrow();
        Lease b = tryAcquire(new AdmissionRequest("b", HIGH, "pool", "calls")).orElseThrow();

        admission.release(a).toCompletableFuture().join();
        admission.release(a).toCompletableFuture().join();

        assertThat(admission.permitsInUse("calls")).isEqualTo(1);
        assertThat(admission.keyInUse("pool", "k1")).isEqualTo(1);
        assertThat(admission.isHeld(a)).isFalse();
        assertThat(admission.isHeld(b)).isTrue();
    }

    @Test
    void shouldChangeNothingWhenReleasingALeaseItNeverGranted() {
        admission = control(List.of(pool("pool", 2, Duration.ofSeconds(1), "k1")), List.of(permits("calls", 2, Map.of())));
        tryAcquire(new AdmissionRequest("a", HIGH, "pool", "calls")).orElseThrow();

        admission.release(new Lease("forged", 99, "pool", "k1", "calls", Long.MAX_VALUE)).toCompletableFuture().join();

        assertThat(admission.permitsInUse("calls")).isEqualTo(1);
        assertThat(admission.keyInUse("pool", "k1")).isEqualTo(1);
    }

    // ---------------------------------------------------------------- helpers

    private InJvmAdmissionControl control(List<KeyPoolConfig> pools, List<PermitConfig> permits) {
        return new InJvmAdmissionControl(pools, permits, LANES, scheduler, clock);
    }

    private Optional<Lease> tryAcquire(AdmissionRequest request) {
        return admission.tryAcquire(request).toCompletableFuture().join();
    }

    private static KeyPoolConfig pool(String name, int perKey, Duration cooldown, String... keyIds) {
        List<KeyConfig> keys = new ArrayList<>();
        for (String id : keyIds) {
            keys.add(new KeyConfig(id, "secret-" + id, null, null));
        }
        return new KeyPoolConfig(name, perKey, cooldown, keys, false);
    }

    private static KeyPoolConfig limited(String name, RateLimit rate, Budget budget, String... keyIds) {
        KeyPoolConfig plain = pool(name, 4, Duration.ofSeconds(1), keyIds);
        return new KeyPoolConfig(name, 4, Duration.ofSeconds(1), plain.keys(), false, rate, budget);
    }

    private static PermitConfig permits(String name, int total, Map<String, Integer> reserved) {
        return new PermitConfig(name, total, Duration.ofSeconds(30), reserved);
    }

    private static void enter(Lease lease, Map<String, AtomicInteger> perKey, Map<String, AtomicInteger> perKeyMax,
                              AtomicInteger permitsNow, AtomicInteger permitsMax) {
        if (lease.keyId() != null) {
            int n = perKey.computeIfAbsent(lease.keyId(), k -> new AtomicInteger()).incrementAndGet();
            perKeyMax.computeIfAbsent(lease.keyId(), k -> new AtomicInteger()).accumulateAndGet(n, Math::max);
        }
        if (lease.permits() != null) {
            permitsMax.accumulateAndGet(permitsNow.incrementAndGet(), Math::max);
        }
    }

    private static void leave(Lease lease, Map<String, AtomicInteger> perKey, AtomicInteger permitsNow) {
        if (lease.keyId() != null) {
            perKey.get(lease.keyId()).decrementAndGet();
        }
        if (lease.permits() != null) {
            permitsNow.decrementAndGet();
        }
    }
}
