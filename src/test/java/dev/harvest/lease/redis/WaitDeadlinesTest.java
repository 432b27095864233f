package dev.harvest.lease.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.lease.AdmissionRequest;
import dev.harvest.task.Lane;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WaitDeadlinesTest {

    private static final Lane LANE = new Lane("normal", 1);

    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private final Map<String, Long> expiredAt = new ConcurrentHashMap<>();
    private final Map<String, Duration> expiredAfter = new ConcurrentHashMap<>();
    private final AtomicInteger expiries = new AtomicInteger();
    private final WaitDeadlines deadlines = new WaitDeadlines(timer, (w, maxWait) -> {
        if (w.settle()) {
            expiries.incrementAndGet();
            expiredAt.put(w.request.taskId(), System.nanoTime());
            expiredAfter.put(w.request.taskId(), maxWait);
        }
    });
    private int seq;

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    private Waiter waiter() {
        seq++;
        return new Waiter(new AdmissionRequest("t" + seq, LANE, "pool", "permits"), "lease-" + seq, seq, false, 0,
                10_000);
    }

    @Test
    void shouldTimeOutWhatDidNotSettleAndNotWhatDid() throws InterruptedException {
        long start = System.nanoTime();
        Waiter first = waiter();
        Waiter settled = waiter();
        Waiter last = waiter();
        for (Waiter w : List.of(first, settled, last)) {
            deadlines.add(w, Duration.ofMillis(100));
        }
        assertThat(settled.settle()).isTrue();

        awaitExpiries(2);

        assertThat(expiredAt).containsOnlyKeys("t1", "t3");
        assertThat(expiredAfter).containsEntry("t1", Duration.ofMillis(100));
        assertThat(expiredAt.get("t1") - start).as("not before its wait").isGreaterThanOrEqualTo(100_000_000L);
        assertThat(settled.isSettled()).isTrue();
        awaitEmpty();
    }

    @Test
    void shouldNotHoldAShortWaitBehindALongOne() throws InterruptedException {
        Waiter patient = waiter();
        deadlines.add(patient, Duration.ofSeconds(30));
        long start = System.nanoTime();
        Waiter hasty = waiter();
        deadlines.add(hasty, Duration.ofMillis(50));

        awaitExpiries(1);

        assertThat(expiredAt).containsOnlyKeys("t2");
        assertThat(expiredAt.get("t2") - start).as("on time, not after the 30 s one")
                .isLessThan(TimeUnit.SECONDS.toNanos(5));
        assertThat(patient.isSettled()).isFalse();
    }

    @Test
    void shouldTimeOutEachRequestOnceWhenAddedFromManyThreadsAndAgainAfterTheLineEmptied() throws Exception {
        int threads = 4;
        int each = 500;
        List<Waiter> all = new ArrayList<>();
        for (int i = 0; i < threads * each; i++) {
            all.add(waiter());
        }
        AtomicInteger settledElsewhere = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> adders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<Waiter> mine = all.subList(t * each, (t + 1) * each);
            Thread adder = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < mine.size(); i++) {
                    deadlines.add(mine.get(i), Duration.ofMillis(i % 7 == 0 ? 0 : 20));
                    // A grant racing the timer: whoever settles first wins.
                    if (i % 3 == 0 && mine.get(i).settle()) {
                        settledElsewhere.incrementAndGet();
                    }
                }
            });
            adder.start();
            adders.add(adder);
        }
        go.countDown();
        for (Thread adder : adders) {
            adder.join();
        }
        int unsettled = all.size() - settledElsewhere.get();
        awaitExpiries(unsettled);
        awaitEmpty();

        assertThat(all).allMatch(Waiter::isSettled);
        assertThat(expiries.get()).as("each request not settled otherwise timed out exactly once").isEqualTo(unsettled);

        Waiter later = waiter();
        deadlines.add(later, Duration.ofMillis(10));
        awaitExpiries(unsettled + 1);
        assertThat(expiredAt).containsKey(later.request.taskId());
    }

    @Test
    void shouldTimeOutRequestsWithMoreDistinctWaitsThanItKeepsLinesFor() throws InterruptedException {
        int n = WaitDeadlines.MAX_LINES + 36;
        List<Waiter> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Waiter w = waiter();
            all.add(w);
            deadlines.add(w, Duration.ofMillis(20 + i));
        }
        Waiter settledBeyondTheLines = all.get(n - 1);
        assertThat(settledBeyondTheLines.settle()).isTrue();

        awaitExpiries(n - 1);

        assertThat(deadlines.lines()).as("lines are bounded").isEqualTo(WaitDeadlines.MAX_LINES);
        assertThat(expiredAfter).hasSize(n - 1)
                .containsEntry("t1", Duration.ofMillis(20))
                .containsEntry("t" + (n - 1), Duration.ofMillis(20 + n - 2))
                .doesNotContainKey(settledBeyondTheLines.request.taskId());
        assertThat(all).allMatch(Waiter::isSettled);
    }

    private void awaitExpiries(int n) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (expiries.get() < n && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertThat(expiries.get()).isGreaterThanOrEqualTo(n);
    }

    private void awaitEmpty() throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (deadlines.size() > 0 && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertThat(deadlines.size()).as("settled and due entries leave the line").isZero();
    }
}
