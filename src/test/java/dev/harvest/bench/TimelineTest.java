package dev.harvest.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimelineTest {

    private static Timeline.Sample at(long ms, double held, double waiting, double processed, double commits) {
        return new Timeline.Sample(1_000_000 + ms, (long) processed * 2, held, waiting, held + waiting, processed,
                commits);
    }

    @Test
    void shouldMeasureStallsAsTheStretchesWithoutProcessedRecords() {
        List<Timeline.Sample> samples = List.of(at(0, 4, 0, 10, 0), at(10, 4, 2, 20, 0), at(20, 2, 3, 20, 1),
                at(30, 1, 3, 20, 1), at(40, 4, 0, 30, 1), at(50, 4, 0, 30, 1), at(60, 4, 1, 40, 2));

        var figures = Timeline.figures(samples, 4, "paced");

        assertThat(figures).containsEntry("pacedLongestStallMs", 20L)
                .containsEntry("pacedStalledShare", 0.5) // 10..30 and 40..50: 30 of 60 ms
                .containsEntry("pacedPermitsIdleWhileWaiting", round(2.0 / 7))
                .containsEntry("pacedPermitsHeld", round(23.0 / 7, 1));
    }

    @Test
    void shouldWriteOneLinePerWindowWithTheTasksOfferedInIt(@TempDir Path dir) throws Exception {
        List<Timeline.Sample> samples = List.of(at(0, 1, 0, 0, 0), at(50, 3, 1, 5, 0), at(100, 2, 0, 5, 1),
                at(190, 0, 0, 9, 1), at(210, 1, 0, 12, 2));
        List<Timeline.Offered> offered = List.of(new Timeline.Offered(1_000_010, 30), new Timeline.Offered(1_000_020, 50),
                new Timeline.Offered(1_000_090, 40), new Timeline.Offered(1_000_150, 70),
                new Timeline.Offered(1_000_205, 25), new Timeline.Offered(999_999, 99));
        Path file = dir.resolve("t.csv");

        Timeline.write(file, samples, offered);

        assertThat(Files.readAllLines(file)).containsExactly(
                "ms,offered,p50Ms,maxMs,acked,held,waiting,running,processed,commits",
                "0,3,40,50,10,2,1,3,5,0",
                "100,1,70,70,8,1,0,1,4,1",
                "200,1,25,25,6,1,0,1,3,1");
    }

    private static double round(double v) {
        return BenchRunner.round(v, 3);
    }

    private static double round(double v, int places) {
        return BenchRunner.round(v, places);
    }
}
