package dev.harvest.lease.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.lease.AdmissionRequest;
import dev.harvest.task.Lane;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WaitQueuesTest {

    private static final Lane HIGH = new Lane("high", 0);
    private static final Lane LOW = new Lane("low", 1);
    private final WaitQueues q = new WaitQueues();
    private long seq;

    private Waiter waiter(Lane lane, String pool, boolean tryOnly) {
        return new Waiter(new AdmissionRequest("t" + seq, lane, pool, "permits"), "lease-" + seq, seq++, tryOnly, 0,
                30_000);
    }

    private Waiter waiter(Lane lane) {
        return waiter(lane, "pool", false);
    }

    @Test
    void shouldBatchTriesThenHigherLanesFirstFifoWithinALaneUpToTheLimit() {
        Waiter low1 = waiter(LOW);
        Waiter high1 = waiter(HIGH);
        Waiter low2 = waiter(LOW);
        Waiter high2 = waiter(HIGH);
        Waiter oneShot = waiter(LOW, "pool", true);
        List.of(low1, high1, low2, high2, oneShot).forEach(q::add);

        assertThat(q.takeBatch(4)).containsExactly(high1, high2, low1, oneShot);
        assertThat(q.size()).isEqualTo(1);
        assertThat(q.takeBatch(4)).containsExactly(low2);
        assertThat(q.size()).isZero();
    }

    @Test
    void shouldLeaveABlockedClassOutOfBatchesUntilUnblockedAndDropSettledWaiters() {
        Waiter blocked = waiter(LOW);
        Waiter gaveUp = waiter(HIGH);
        Waiter open = waiter(HIGH, "other", false);
        List.of(blocked, gaveUp, open).forEach(q::add);
        gaveUp.settle();
        q.block(blocked.waitClass);

        assertThat(q.takeBatch(10)).containsExactly(open);
        q.unblockAll();
        assertThat(q.takeBatch(10)).containsExactly(blocked);
    }

    @Test
    void shouldTellWhetherAnyLaneWaitsHereForAPoolOrSemaphore() {
        Waiter low = waiter(LOW, "pool", false);
        q.add(low);

        assertThat(q.anyWaitsFor(new Waiter.WaitClass(0, "pool", "elsewhere"))).as("same pool").isTrue();
        assertThat(q.anyWaitsFor(new Waiter.WaitClass(0, "other", "permits"))).as("same semaphore").isTrue();
        assertThat(q.anyWaitsFor(new Waiter.WaitClass(0, "other", "elsewhere"))).isFalse();
        q.takeBatch(10);
        assertThat(q.anyWaitsFor(low.waitClass)).as("on the wire, not waiting here").isFalse();
    }

    @Test
    void shouldPutAnUnsettledWaiterBackAtTheHeadOfItsQueue() {
        Waiter first = waiter(LOW);
        Waiter second = waiter(LOW);
        q.add(first);
        q.add(second);
        List<Waiter> sent = q.takeBatch(1);
        q.requeueFirst(sent.get(0));

        assertThat(q.takeBatch(10)).containsExactly(first, second);
    }

    @Test
    void shouldNotHandALeaseToALowerLaneWhileAHigherOneWaitsForTheSamePool() {
        Waiter low = waiter(LOW);
        Waiter highElsewhere = new Waiter(new AdmissionRequest("t-else", HIGH, "other-pool", "other-permits"),
                "lease-else", seq++, false, 0, 30_000);
        q.add(low);
        q.add(highElsewhere);
        assertThat(q.takeForReuse(low.waitClass).waiter()).as("the higher lane waits for other resources")
                .isSameAs(low);

        Waiter low2 = waiter(LOW);
        Waiter high = waiter(HIGH);
        q.add(low2);
        q.add(high);
        assertThat(q.takeForReuse(low2.waitClass).waiter()).as("the higher lane waits for the same pool").isNull();
        assertThat(q.takeForReuse(high.waitClass).waiter()).isSameAs(high);
        assertThat(q.takeForReuse(low2.waitClass).waiter()).isSameAs(low2);
    }

    @Test
    void shouldNotHandALeaseToAWaiterWhoseEarlierTryHasAnUnknownOutcome() {
        Waiter uncertain = waiter(LOW);
        Waiter clear = waiter(LOW);
        uncertain.uncertain = true;
        q.add(uncertain);
        q.add(clear);

        assertThat(q.takeForReuse(clear.waitClass).waiter()).isSameAs(clear);
        assertThat(q.takeForReuse(clear.waitClass).waiter()).isNull();
        assertThat(q.takeBatch(10)).containsExactly(uncertain);
    }

    @Test
    void shouldTellRedisOnceWhenTheLastWaiterOfAClassQueuedThereLeaves() {
        Waiter only = waiter(LOW);
        q.add(only);
        q.queuedInRedis(only.waitClass, true);

        assertThat(q.takeForReuse(only.waitClass)).isEqualTo(new WaitQueues.Taken(only, true));
        assertThat(q.hasLeaving()).isTrue();
        assertThat(q.waitingPerClass(List.of())).containsExactly(Map.entry(only.waitClass, 0));
        assertThat(q.hasLeaving()).as("told once").isFalse();
    }

    @Test
    void shouldNotTellRedisWhenTheClassWasNotQueuedThere() {
        Waiter only = waiter(LOW);
        q.add(only);

        assertThat(q.takeForReuse(only.waitClass)).isEqualTo(new WaitQueues.Taken(only, false));
        assertThat(q.hasLeaving()).isFalse();
    }

    @Test
    void shouldCountWhatIsSentAndStillQueuedPerClass() {
        Waiter a = waiter(LOW);
        Waiter b = waiter(LOW);
        Waiter c = waiter(LOW);
        Waiter oneShot = waiter(HIGH, "pool", true);
        List.of(a, b, c, oneShot).forEach(q::add);
        List<Waiter> batch = q.takeBatch(3);

        assertThat(batch).containsExactly(oneShot, a, b);
        assertThat(q.waitingPerClass(batch)).containsEntry(a.waitClass, 3).containsEntry(oneShot.waitClass, 0);
    }

    @Test
    void shouldTellRedisWhenAWaiterThatGaveUpWasTheLastOfItsClass() {
        Waiter first = waiter(LOW);
        Waiter second = waiter(LOW);
        q.add(first);
        q.add(second);

        assertThat(q.remove(first)).isFalse();
        assertThat(q.remove(second)).isTrue();
        assertThat(q.clear()).isEmpty();
    }
}
