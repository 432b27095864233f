package dev.harvest.lease.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.lease.Lease;
import dev.harvest.lease.redis.Waiter.WaitClass;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KeptLeasesTest {

    private static final WaitClass HIGH = new WaitClass(0, "api", "calls");
    private static final WaitClass LOW = new WaitClass(2, "api", "calls");
    private static final WaitClass OTHER_POOL = new WaitClass(0, "other", "calls");

    /** Leases that no longer qualify (reuse window passed, contended, cooling or lost). */
    private final Set<String> stale = ConcurrentHashMap.newKeySet();
    /** The class each lease was granted to, as the hand-over's rules would say while it qualifies. */
    private final Map<String, WaitClass> granted = new ConcurrentHashMap<>();
    private final List<String> toRedis = new CopyOnWriteArrayList<>();
    private final List<String> reoffered = new CopyOnWriteArrayList<>();
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private final KeptLeases kept = new KeptLeases(timer,
            l -> stale.contains(l.leaseId()) ? null : granted.get(l.leaseId()),
            l -> toRedis.add(l.leaseId()), l -> reoffered.add(l.leaseId()));

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    private Lease keep(String id, WaitClass c) {
        Lease lease = new Lease(id, 1, c.pool(), "k1", c.semaphore(), Long.MAX_VALUE);
        granted.put(id, c);
        kept.keep(lease, c);
        return lease;
    }

    @Test
    void shouldServeTheOldestKeptLeaseOfTheSameNeedToItsLaneOrAMoreImportantOne() {
        keep("a", LOW);
        keep("b", LOW);

        assertThat(kept.take(OTHER_POOL)).as("another pool").isNull();
        assertThat(kept.take(HIGH).leaseId()).isEqualTo("a");
        assertThat(kept.take(LOW).leaseId()).isEqualTo("b");
        assertThat(kept.take(LOW)).isNull();
        assertThat(kept.size()).isZero();
        assertThat(toRedis).isEmpty();
    }

    @Test
    void shouldNotServeALessImportantLaneWhatAMoreImportantOneWasGranted() {
        keep("h", HIGH);

        assertThat(kept.take(LOW)).isNull();
        assertThat(kept.hasFor(LOW)).isFalse();
        assertThat(kept.hasFor(HIGH)).isTrue();
        assertThat(kept.size()).isEqualTo(1);
    }

    @Test
    void shouldGiveBackToRedisALeaseThatNoLongerQualifiesWhenARequestComes() {
        keep("stale", HIGH);
        keep("fresh", HIGH);
        stale.add("stale");

        Lease taken = kept.take(HIGH);

        assertThat(taken.leaseId()).isEqualTo("fresh");
        assertThat(toRedis).containsExactly("stale");
        assertThat(kept.size()).isZero();
    }

    @Test
    void shouldReturnWhatIsDueAndKeepTheRest() {
        keep("a", HIGH);
        keep("b", OTHER_POOL);
        keep("c", LOW);
        stale.addAll(List.of("a", "c"));

        kept.returnDue();

        assertThat(toRedis).containsExactlyInAnyOrder("a", "c");
        assertThat(kept.size()).isEqualTo(1);
        kept.offerAll();
        assertThat(reoffered).containsExactly("b");
        assertThat(kept.size()).isZero();
    }

    @Test
    void shouldSweepLeasesBackToRedisOnceTheyAreDueAndStopSweepingWhenNoneIsKept() {
        keep("a", HIGH);
        keep("b", HIGH);

        stale.add("a");
        await().atMost(Duration.ofSeconds(5)).until(() -> toRedis.contains("a"));
        assertThat(kept.hasFor(HIGH)).as("b still qualifies").isTrue();
        stale.add("b");
        await().atMost(Duration.ofSeconds(5)).until(() -> kept.size() == 0);

        assertThat(toRedis).containsExactly("a", "b");
        await().atMost(Duration.ofSeconds(5)).until(() -> timer.getQueue().isEmpty());
    }

    @Test
    void shouldForgetKeptLeasesWhenCleared() {
        keep("a", HIGH);

        kept.clear();

        assertThat(kept.size()).isZero();
        assertThat(kept.take(HIGH)).isNull();
        assertThat(toRedis).isEmpty();
        assertThat(reoffered).isEmpty();
    }
}
