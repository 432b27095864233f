package dev.harvest.lease.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.lease.Lease;
import dev.harvest.lease.redis.Waiter.WaitClass;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeptLeasesTest {

    private static final WaitClass HIGH = new WaitClass(0, "api", "calls");
    private static final WaitClass LOW = new WaitClass(2, "api", "calls");
    private static final WaitClass OTHER_POOL = new WaitClass(0, "other", "calls");

    private final KeptLeases kept = new KeptLeases();
    private final List<Lease> refused = new ArrayList<>();

    private static Lease lease(String id) {
        return new Lease(id, 1, "api", "k1", "calls", Long.MAX_VALUE);
    }

    @Test
    void shouldServeTheOldestKeptLeaseOfTheSameNeedToItsLaneOrAMoreImportantOne() {
        kept.keep(lease("a"), LOW);
        kept.keep(lease("b"), LOW);

        assertThat(kept.take(OTHER_POOL, l -> true, refused)).as("another pool").isNull();
        assertThat(kept.take(HIGH, l -> true, refused).leaseId()).isEqualTo("a");
        assertThat(kept.take(LOW, l -> true, refused).leaseId()).isEqualTo("b");
        assertThat(kept.take(LOW, l -> true, refused)).isNull();
        assertThat(kept.size()).isZero();
    }

    @Test
    void shouldNotServeALessImportantLaneWhatAMoreImportantOneWasGranted() {
        kept.keep(lease("h"), HIGH);

        assertThat(kept.take(LOW, l -> true, refused)).isNull();
        assertThat(kept.hasFor(LOW)).isFalse();
        assertThat(kept.hasFor(HIGH)).isTrue();
        assertThat(kept.size()).isEqualTo(1);
    }

    @Test
    void shouldHandLeasesThatNoLongerQualifyToTheCallerToGiveBack() {
        kept.keep(lease("stale"), HIGH);
        kept.keep(lease("fresh"), HIGH);

        Lease taken = kept.take(HIGH, l -> !l.leaseId().equals("stale"), refused);

        assertThat(taken.leaseId()).isEqualTo("fresh");
        assertThat(refused).extracting(Lease::leaseId).containsExactly("stale");
        assertThat(kept.size()).isZero();
    }

    @Test
    void shouldTakeOutWhatIsDueAndLeaveTheRest() {
        kept.keep(lease("a"), HIGH);
        kept.keep(lease("b"), OTHER_POOL);
        kept.keep(lease("c"), LOW);

        assertThat(kept.takeAll(l -> !l.leaseId().equals("b"))).extracting(Lease::leaseId)
                .containsExactlyInAnyOrder("a", "c");
        assertThat(kept.size()).isEqualTo(1);
        assertThat(kept.takeAll(l -> true)).extracting(Lease::leaseId).containsExactly("b");
        assertThat(kept.size()).isZero();
    }
}
