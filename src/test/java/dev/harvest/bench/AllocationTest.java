package dev.harvest.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AllocationTest {

    private static volatile byte[] sink;

    @Test
    void shouldCountTheAppsThreadsAndNotTheBenchmarksOwn() throws InterruptedException {
        Allocation before = Allocation.now();
        Thread bench = allocateIn("bench-writer", 8 << 20);
        Allocation afterBench = Allocation.now();
        Thread app = allocateIn("harvest-worker", 16 << 20);
        long counted = Allocation.now().since(before);

        assertThat(afterBench.since(before)).as("a bench- thread is the benchmark's").isLessThan(4 << 20);
        assertThat(app.isAlive()).isTrue();
        assertThat(counted).as("the app thread's 16 MiB").isGreaterThanOrEqualTo(16 << 20).isLessThan(24 << 20);
        for (Thread t : new Thread[] {bench, app}) {
            t.interrupt();
            t.join();
        }
    }

    @Test
    void shouldCountANewThreadFromZeroAndDropOneThatEnded() {
        Map<Long, Long> earlier = Map.of(1L, 100L, 2L, 500L);
        Map<Long, Long> now = Map.of(1L, 160L, 3L, 40L);

        assertThat(Allocation.since(now, earlier)).isEqualTo(60 + 40);
        assertThat(Allocation.isApp("main")).isFalse();
        assertThat(Allocation.isApp("bench-offer")).isFalse();
        assertThat(Allocation.isApp("harvest-sim-1")).isTrue();
    }

    /** Allocates {@code bytes} in a thread named {@code name}, which then stays alive until interrupted. */
    private static Thread allocateIn(String name, int bytes) throws InterruptedException {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        Thread t = new Thread(() -> {
            for (int i = 0; i < bytes / 4096; i++) {
                sink = new byte[4096 - 16];
            }
            done.countDown();
            try {
                new java.util.concurrent.CountDownLatch(1).await(); // alive until interrupted
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
        t.setDaemon(true);
        t.start();
        done.await();
        return t;
    }
}
