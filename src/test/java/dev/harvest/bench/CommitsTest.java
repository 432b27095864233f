package dev.harvest.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Commit figures over a stretch: the rate is the commits counted over its time, the share that rate times a commit. */
class CommitsTest {

    @Test
    void shouldTakeTheRateFromTheCommitsCountedOverTheStretch() {
        Map<String, Object> out = Commits.figures("paced", 240, 15, 12.5, 1);

        assertThat(out).containsEntry("pacedCommitsPerSec", 16.0).containsEntry("pacedCommitMs", 12.5)
                .containsEntry("pacedCommitRatio", 0.2); // 16 a second of 12.5 ms
    }

    @Test
    void shouldShareTheCommitTimeBetweenTheThreads() {
        Map<String, Object> out = Commits.figures("p", 480, 15, 12.5, 2);

        assertThat(out).containsEntry("pCommitsPerSec", 32.0).containsEntry("pCommitRatio", 0.2);
    }

    @Test
    void shouldGiveNoCommitTimeWhenNoCommitFellInTheStretch() {
        Map<String, Object> out = Commits.figures("p", 0, 15, 33.7, 1); // a commit before the stretch, in the window

        assertThat(out).containsEntry("pCommitsPerSec", 0.0).containsEntry("pCommitMs", 0.0)
                .containsEntry("pCommitRatio", 0.0);
    }

    @Test
    void shouldReportNoCommitsForAStretchOfNoTime() {
        assertThat(Commits.figures("p", 0, 0, 0, 1)).containsEntry("pCommitsPerSec", 0.0)
                .containsEntry("pCommitRatio", 0.0);
    }
}
