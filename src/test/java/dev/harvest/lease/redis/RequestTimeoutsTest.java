package dev.harvest.lease.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.lease.AdmissionRequest;
import dev.harvest.task.Lane;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RequestTimeoutsTest {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<Waiter> due = new CopyOnWriteArrayList<>();
    private final Map<Waiter, Long> dueAfterNanos = new ConcurrentHashMap<>();
    private final Map<Waiter, Long> armedAt = new ConcurrentHashMap<>();
    private final RequestTimeouts timeouts = new RequestTimeouts(timer, (w, maxWait) -> {
        dueAfterNanos.put(w, System.nanoTime() - armedAt.get(w));
        due.add(w);
        w.settle();
    });
    private long seq;

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    private Waiter armed(Duration maxWait) {
        Waiter w = new Waiter(new AdmissionRequest("t" + seq, new Lane("lane", 0), "pool", "permits"), "lease-" + seq,
                seq++, false, 0, 30_000);
        armedAt.put(w, System.nanoTime());
        timeouts.arm(w, maxWait);
        return w;
    }

    @Test
    void shouldTimeOutLongWaitsOnceTheyEndAndForgetSettledOnesAtOnce() {
        Waiter settledEarly = armed(Duration.ofMillis(1000));
        Waiter first = armed(Duration.ofMillis(1000));
        Waiter second = armed(Duration.ofMillis(1300));
        Waiter settledLater = armed(Duration.ofMillis(1300));
        assertThat(timeouts.longWaitsTracked()).isEqualTo(4);

        assertThat(settledEarly.settle()).isTrue();
        assertThat(timeouts.longWaitsTracked()).as("a settled request leaves at once").isEqualTo(3);

        await().atMost(Duration.ofSeconds(3)).until(() -> due.contains(first));
        assertThat(settledLater.settle()).isTrue();
        await().atMost(Duration.ofSeconds(3)).until(() -> due.contains(second));

        assertThat(due).containsExactly(first, second);
        assertThat(dueAfterNanos.get(first)).as("not before its wait ends").isGreaterThanOrEqualTo(1_000_000_000L);
        assertThat(dueAfterNanos.get(second)).isGreaterThanOrEqualTo(1_300_000_000L);
        assertThat(timeouts.longWaitsTracked()).isZero();
    }

    @Test
    void shouldNotTrackARequestThatSettledBeforeItWasArmed() {
        Waiter w = new Waiter(new AdmissionRequest("t", new Lane("lane", 0), "pool", "permits"), "lease", 1, false, 0,
                30_000);
        w.settle();
        timeouts.arm(w, Duration.ofSeconds(30));
        assertThat(timeouts.longWaitsTracked()).isZero();
    }

    @Test
    void shouldGiveShortWaitsATimerTaskCancelledWhenTheySettle() {
        Waiter w = armed(Duration.ofMillis(500));
        assertThat(timeouts.longWaitsTracked()).isZero();
        assertThat(w.timeout != null).as("a timer task of its own").isTrue();
        w.settle();
        assertThat(w.timeout.isCancelled()).isTrue();
    }
}
