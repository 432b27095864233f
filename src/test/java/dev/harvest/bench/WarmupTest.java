package dev.harvest.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WarmupTest {

    private static final long SECOND = 1_000_000_000L;

    /** A clock that a round moves on by one second, and compilers that use {@code busy[i]} cores in round i. */
    private final long[] now = {0};
    private final long[] compiled = {0};
    private final List<Integer> rounds = new ArrayList<>();

    private Warmup.Result run(Duration max, double... busy) {
        return Warmup.untilSettled(() -> compiled[0], () -> now[0], max, i -> {
            rounds.add(i);
            now[0] += SECOND;
            compiled[0] += (long) (busy[Math.min(i, busy.length - 1)] * SECOND);
        });
    }

    @Test
    void shouldGoOnUntilTheCompilersUsedLessThanATenthOfACoreOverAWindow() {
        // Half a core for seven seconds, then a twentieth: the window from 5 s to 10 s still holds two busy seconds.
        Warmup.Result r = run(Duration.ofSeconds(120), 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.05);

        assertThat(r.settled()).isTrue();
        assertThat(r.rounds()).as("judged at 5 s (0.5 cores), 10 s (0.23), 15 s (0.05)").isEqualTo(15);
        assertThat(r.cores()).isCloseTo(0.05, offset(1e-9));
        assertThat(rounds).startsWith(0, 1, 2).endsWith(14);
    }

    @Test
    void shouldStopAtTheLongestWarmUpWhenTheCompilersNeverSettle() {
        Warmup.Result r = run(Duration.ofSeconds(12), 0.4);

        assertThat(r.settled()).isFalse();
        assertThat(r.rounds()).isEqualTo(12);
        assertThat(r.cores()).as("the last window judged, 5 to 10 s").isCloseTo(0.4, offset(1e-9));
    }

    @Test
    void shouldRunNoRoundWithoutALongestWarmUpOrWhenTheCompilersAreUnknown() {
        assertThat(run(Duration.ZERO, 0.9)).isEqualTo(new Warmup.Result(0, -1, false));
        Warmup.Result unknown = Warmup.untilSettled(() -> -1, () -> now[0], Duration.ofSeconds(60), rounds::add);
        assertThat(unknown).isEqualTo(new Warmup.Result(0, -1, false));
        assertThat(rounds).isEmpty();
    }
}
