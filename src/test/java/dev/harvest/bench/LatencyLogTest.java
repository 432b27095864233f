package dev.harvest.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyLogTest {

    private final LatencyLog log = new LatencyLog(null);

    @Test
    void shouldKeepEachTasksLatenciesBySeriesAndCountATaskOnce() {
        log.add("p0-3", 40, 90);
        log.add("p0-0", 30, 80);
        log.add("p1-2000", 50, 100);
        log.add("l-0", 25, 60);
        log.add("p0-3", 999, 999); // the same task's outcome again: the first one stands

        assertThat(log.count()).isEqualTo(4);
        assertThat(log.latencies("p").sorted().toArray()).containsExactly(30, 40, 50);
        assertThat(log.reads("p").sorted().toArray()).containsExactly(80, 90, 100);
        assertThat(log.latencies("l").toArray()).containsExactly(25);
        assertThat(log.entries("p")).containsExactlyInAnyOrder(new LatencyLog.Entry("p0", 0, 30),
                new LatencyLog.Entry("p0", 3, 40), new LatencyLog.Entry("p1", 2000, 50));
    }

    @Test
    void shouldGiveTheLatenciesOfOneSeriesAloneAndTheP99OfEach() {
        for (int i = 0; i < 100; i++) {
            log.add("p1-" + i, i + 1, i + 1); // 1..100 ms
            log.add("p10-" + i, 1000, 1000);
        }
        log.add("p2-0", -1, -1);

        assertThat(log.latenciesOf("p1").sum()).as("not the series p10, whose name starts the same").isEqualTo(5050);
        assertThat(log.latenciesOf("p2")).as("no latency known").isEmpty();
        assertThat(log.latenciesOf("p3")).isEmpty();
        assertThat(LatencyFigures.p99Each(log, List.of("p1", "p10", "p3"))).containsExactly(99L, 1000L, 0L);
    }

    @Test
    void shouldCountAnOutcomeWithoutLatencyOrOfAnotherKeyButGiveNoFigureForIt() {
        log.add("p0-1", -1, -1); // no first-seen header
        log.add("stray", 10, 10);
        log.add("p0-x", 10, 10);

        assertThat(log.count()).isEqualTo(3);
        assertThat(log.latencies("p").toArray()).isEmpty();
        assertThat(log.entries("p")).isEmpty();
    }

    @Test
    void shouldStartAgainAfterClear() {
        log.add("w-0", 5, 5);
        log.clear();
        log.add("w-0", 7, 7);

        assertThat(log.count()).isEqualTo(1);
        assertThat(log.latencies("w").toArray()).containsExactly(7);
    }
}
