package dev.harvest.lease.redis;

import static dev.harvest.lease.redis.AdmissionFixtures.HIGH;
import static dev.harvest.lease.redis.AdmissionFixtures.LOW;
import static dev.harvest.lease.redis.AdmissionFixtures.NORMAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harvest.task.Lane;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdmissionSetupTest {

    private final AdmissionSetup setup = AdmissionFixtures.setup("p", List.of(AdmissionFixtures.pool("api", 2, null, "k1")),
            List.of(AdmissionFixtures.permits("calls", 10, Duration.ofSeconds(2), Map.of("high", 3, "normal", 2))));

    @Test
    void shouldSumReservationsOfHigherLanesOnlyWhenComputingReservedAbove() {
        assertThat(setup.reservedAbove("calls", HIGH)).isZero();
        assertThat(setup.reservedAbove("calls", NORMAL)).isEqualTo(3);
        assertThat(setup.reservedAbove("calls", LOW)).isEqualTo(5);
        assertThat(setup.reservedAbove("calls", new Lane("unlisted", 7))).isEqualTo(5);
    }

    @Test
    void shouldUseSemaphoreTtlWhenLeaseHoldsPermit() {
        assertThat(setup.leaseTtl("calls", Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(2));
        assertThat(setup.leaseTtl(null, Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(30));
        assertThat(setup.shortestTtl(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void shouldRejectPipelineNameWhenItWouldBreakTheHashTag() {
        assertThatThrownBy(() -> AdmissionFixtures.setup("a}b", List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pipeline");
        assertThat(new KeySpace("p1").fence()).isEqualTo("hs:{p1}:fence");
        assertThat(new KeySpace("p1").semaphore("calls")).isEqualTo("hs:{p1}:sem:calls");
    }

    @Test
    void shouldKeepLocalDeadlineAheadOfExpiryWhenComputingMargin() {
        AdmissionOptions options = AdmissionOptions.defaults();

        assertThat(options.marginNanos(Duration.ofSeconds(1))).isEqualTo(Duration.ofMillis(100).toNanos());
        assertThat(options.marginNanos(Duration.ofMillis(20))).isEqualTo(Duration.ofMillis(5).toNanos());
    }
}
