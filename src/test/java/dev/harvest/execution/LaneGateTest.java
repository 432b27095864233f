package dev.harvest.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LaneGateTest {

    /** An executor that only queues; the test decides when queued work runs. */
    private static final class ManualExecutor implements java.util.concurrent.Executor {
        final Queue<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable command) {
            tasks.add(command);
        }

        void runNext() {
            tasks.remove().run();
        }
    }

    @Test
    void shouldRunWorkAtOnceOnCallerThreadWhenThereIsRoom() {
        LaneGate gate = new LaneGate(2, new ManualExecutor());
        List<String> ran = new ArrayList<>();

        gate.enter(() -> ran.add(Thread.currentThread().getName()));

        assertThat(ran).containsExactly(Thread.currentThread().getName());
        assertThat(gate.running()).isEqualTo(1);
        assertThat(gate.queued()).isZero();
    }

    @Test
    void shouldQueueWorkWhenLimitIsReached() {
        LaneGate gate = new LaneGate(2, new ManualExecutor());
        List<Integer> ran = new ArrayList<>();

        for (int i = 0; i < 5; i++) {
            int n = i;
            gate.enter(() -> ran.add(n));
        }

        assertThat(ran).containsExactly(0, 1);
        assertThat(gate.running()).isEqualTo(2);
        assertThat(gate.queued()).isEqualTo(3);
        assertThat(gate.maxSeen()).isEqualTo(2);
        assertThat(gate.limit()).isEqualTo(2);
    }

    @Test
    void shouldStartQueuedWorkInArrivalOrderOnExecutorWhenAnAttemptLeaves() {
        ManualExecutor executor = new ManualExecutor();
        LaneGate gate = new LaneGate(1, executor);
        List<Integer> ran = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int n = i;
            gate.enter(() -> ran.add(n));
        }

        gate.leave();
        assertThat(ran).as("queued work must not run on the releasing thread").containsExactly(0);
        assertThat(executor.tasks).hasSize(1);
        executor.runNext();
        gate.leave();
        executor.runNext();
        gate.leave();
        executor.runNext();

        assertThat(ran).containsExactly(0, 1, 2, 3);
        assertThat(gate.running()).isEqualTo(1);
        assertThat(gate.queued()).isZero();
        assertThat(gate.maxSeen()).isEqualTo(1);
    }

    @Test
    void shouldFreeTheSlotWhenLastAttemptLeavesWithNothingQueued() {
        LaneGate gate = new LaneGate(1, new ManualExecutor());
        gate.enter(() -> { });

        gate.leave();

        assertThat(gate.running()).isZero();
        List<String> ran = new ArrayList<>();
        gate.enter(() -> ran.add("again"));
        assertThat(ran).containsExactly("again");
    }

    @Test
    void shouldNotGrowTheStackWhenQueuedWorkCompletesInstantly() {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            LaneGate gate = new LaneGate(1, executor);
            AtomicInteger done = new AtomicInteger();
            int n = 20_000;
            gate.enter(() -> { });
            for (int i = 0; i < n; i++) {
                // Each piece of work "completes" at once and leaves, which starts the next one.
                gate.enter(() -> {
                    done.incrementAndGet();
                    gate.leave();
                });
            }
            assertThat(gate.queued()).isEqualTo(n);

            gate.leave();

            await().alias("every instantly completing attempt ran").atMost(Duration.ofSeconds(4))
                    .until(() -> done.get() == n);
            await().alias("gate drained").atMost(Duration.ofSeconds(1)).until(() -> gate.running() == 0);
            assertThat(gate.queued()).isZero();
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void shouldNeverRunMoreThanLimitWhenManyThreadsEnterAndLeave() throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(8);
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            LaneGate gate = new LaneGate(3, executor);
            AtomicInteger now = new AtomicInteger();
            AtomicInteger max = new AtomicInteger();
            AtomicInteger done = new AtomicInteger();
            int total = 4000;
            for (int i = 0; i < total; i++) {
                callers.execute(() -> gate.enter(() -> executor.execute(() -> {
                    max.accumulateAndGet(now.incrementAndGet(), Math::max);
                    Thread.onSpinWait();
                    now.decrementAndGet();
                    done.incrementAndGet();
                    gate.leave();
                })));
            }

            await().alias("all attempts finished").atMost(Duration.ofSeconds(4)).until(() -> done.get() == total);
            assertThat(max.get()).isBetween(1, 3);
            assertThat(gate.maxSeen()).isBetween(1, 3);
            await().alias("gate drained").atMost(Duration.ofSeconds(1)).until(() -> gate.running() == 0);
        } finally {
            callers.shutdownNow();
            executor.shutdownNow();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1})
    void shouldRejectWhenLimitIsNotPositive(int limit) {
        assertThatThrownBy(() -> new LaneGate(limit, Runnable::run)).isInstanceOf(IllegalArgumentException.class);
    }
}
