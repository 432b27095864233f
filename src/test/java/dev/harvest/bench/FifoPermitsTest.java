package dev.harvest.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The delayed pass-through's permits: never more held than there are, granted in the order asked for. */
class FifoPermitsTest {

    @Test
    void shouldGrantAtOnceWhileAPermitIsFree() {
        FifoPermits permits = new FifoPermits(2);
        List<String> granted = new ArrayList<>();
        permits.acquire(() -> granted.add("a"));
        permits.acquire(() -> granted.add("b"));
        permits.acquire(() -> granted.add("c"));

        assertThat(granted).containsExactly("a", "b");
    }

    @Test
    void shouldGiveAReleasedPermitToTheLongestWaiting() {
        FifoPermits permits = new FifoPermits(1);
        List<String> granted = new ArrayList<>();
        permits.acquire(() -> granted.add("a"));
        permits.acquire(() -> granted.add("b"));
        permits.acquire(() -> granted.add("c"));

        permits.release();
        assertThat(granted).containsExactly("a", "b");
        permits.release();
        assertThat(granted).containsExactly("a", "b", "c");
        permits.release();
        permits.acquire(() -> granted.add("d"));
        assertThat(granted).as("freed when nobody waited, so granted at once").containsExactly("a", "b", "c", "d");
    }

    @Test
    void shouldRefuseFewerThanOnePermit() {
        assertThatThrownBy(() -> new FifoPermits(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("permits must be at least 1");
    }
}
