package dev.harvest.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimelineTest {

    private static Timeline.Sample at(long ms, double held, double waiting, double processed, double commits) {
        return at(ms, held, 0, waiting, processed, commits);
    }

    private static Timeline.Sample at(long ms, double held, double kept, double waiting, double processed,
                                      double commits) {
        return new Timeline.Sample(1_000_000 + ms, (long) processed * 2, held, kept, waiting, held + waiting, processed,
                commits, commits > 1 ? Timeline.Doing.COMMIT : Timeline.Doing.POLL,
                new Timeline.CommitNanos(commits * 4e6, commits * 2e6, commits * 1.5e6), (long) (processed * 5e5),
                (long) commits * 30);
    }

    @Test
    void shouldMeasureStallsAsTheStretchesWithoutProcessedRecords() {
        List<Timeline.Sample> samples = List.of(at(0, 4, 0, 10, 0), at(10, 4, 2, 20, 0), at(20, 2, 3, 20, 1),
                at(30, 1, 3, 20, 1), at(40, 4, 0, 30, 1), at(50, 4, 0, 30, 1), at(60, 4, 1, 40, 2));

        var figures = Timeline.figures(samples, 4, "paced");

        assertThat(figures).containsEntry("pacedLongestStallMs", 20L)
                .containsEntry("pacedStalledShare", 0.5) // 10..30 and 40..50: 30 of 60 ms
                .containsEntry("pacedPermitsIdleWhileWaiting", round(2.0 / 7))
                .containsEntry("pacedPermitsHeld", round(23.0 / 7, 1))
                .containsEntry("pacedPermitsKept", 0.0)
                .containsEntry("pacedGcMs", 60L); // 30 ms a commit in these samples, from 0 to 2 commits
    }

    @Test
    void shouldNotCountLeasesKeptWithNoTaskAsPermitsInUse() {
        // 4 permits: a kept lease is free for the next task, so a request waiting beside one waits with a permit free.
        List<Timeline.Sample> samples = List.of(at(0, 3, 1, 0, 10, 0), at(10, 2, 2, 0, 20, 0),
                at(20, 3, 1, 2, 30, 0), at(30, 4, 0, 2, 40, 0));

        var figures = Timeline.figures(samples, 4, "paced");

        assertThat(figures).containsEntry("pacedPermitsHeld", 3.0).containsEntry("pacedPermitsKept", 1.0)
                .containsEntry("pacedPermitsIdleWhileWaiting", 0.25);
    }

    @Test
    void shouldNotCountAPauseWithNothingToProcessAsAStall() {
        // 100 task records acknowledged and taken in by 20 ms; nothing offered for half a second; then 50 more,
        // acknowledged by 520 ms and taken in at 550 ms: only 510..540 is a stall, of the 60 ms with work to do.
        List<Timeline.Sample> samples = List.of(sample(0, 0, 0), sample(10, 100, 60), sample(20, 100, 100),
                sample(270, 100, 100), sample(510, 100, 100), sample(520, 150, 100), sample(530, 150, 100),
                sample(540, 150, 100), sample(550, 150, 150));

        var figures = Timeline.figures(samples, 4, "paced");

        assertThat(figures).containsEntry("pacedLongestStallMs", 30L).containsEntry("pacedStalledShare", 0.5);
    }

    private static Timeline.Sample sample(long ms, long acked, double processed) {
        return new Timeline.Sample(1_000_000 + ms, acked, 0, 0, 0, 0, processed, 0, Timeline.Doing.POLL,
                new Timeline.CommitNanos(0, 0, 0), 0, 0);
    }

    @Test
    void shouldWriteOneLinePerWindowWithTheTasksOfferedInIt(@TempDir Path dir) throws Exception {
        List<Timeline.Sample> samples = List.of(at(0, 1, 0, 0, 0), at(50, 3, 1, 5, 0), at(100, 2, 0, 5, 1),
                at(190, 0, 0, 9, 1), at(210, 1, 0, 12, 2));
        List<TimelineCsv.Offered> offered = List.of(new TimelineCsv.Offered(1_000_010, 30),
                new TimelineCsv.Offered(1_000_020, 50),
                new TimelineCsv.Offered(1_000_090, 40), new TimelineCsv.Offered(1_000_150, 70),
                new TimelineCsv.Offered(1_000_205, 25), new TimelineCsv.Offered(999_999, 99));
        Path file = dir.resolve("t.csv");

        TimelineCsv.write(file, samples, offered);

        assertThat(Files.readAllLines(file)).containsExactly(
                "ms,offered,p50Ms,maxMs,acked,held,kept,waiting,running,processed,commits,committing,polling,processing,"
                        + "punctuating,flushMs,sendOffsetsMs,endTxnMs,streamCpuMs,gcMs",
                "0,3,40,50,10,2,0,1,3,5,0,0.0,1.0,0.0,0.0,0.0,0.0,0.0,2.5,0",
                "100,1,70,70,8,1,0,0,1,4,1,0.0,1.0,0.0,0.0,4.0,2.0,1.5,2.0,30",
                "200,1,25,25,6,1,0,0,1,3,1,1.0,0.0,0.0,0.0,4.0,2.0,1.5,1.5,30");
    }

    @Test
    void shouldTellWhatTheStreamThreadDoesFromTheOutermostStepOfItsLoop() {
        StackTraceElement run = frame("org.apache.kafka.streams.processor.internals.StreamThread", "runOnce");
        StackTraceElement park = frame("java.util.concurrent.locks.LockSupport", "park");
        assertThat(Timeline.doing(new StackTraceElement[] {park,
                frame("org.apache.kafka.clients.producer.KafkaProducer", "commitTransaction"),
                frame("org.apache.kafka.streams.processor.internals.TaskManager", "commitTasksAndMaybeUpdateCommittableOffsets"),
                frame("org.apache.kafka.streams.processor.internals.StreamThread", "maybeCommit"), run}))
                .isEqualTo(Timeline.Doing.COMMIT);
        assertThat(Timeline.doing(new StackTraceElement[] {park,
                frame("org.apache.kafka.clients.consumer.KafkaConsumer", "poll"),
                frame("org.apache.kafka.streams.processor.internals.StreamThread", "pollPhase"), run}))
                .isEqualTo(Timeline.Doing.POLL);
        assertThat(Timeline.doing(new StackTraceElement[] {frame("dev.harvest.topology.LaneProcessor", "process"),
                frame("org.apache.kafka.streams.processor.internals.StreamTask", "process"),
                frame("org.apache.kafka.streams.processor.internals.TaskExecutor", "process"), run}))
                .isEqualTo(Timeline.Doing.PROCESS);
        assertThat(Timeline.doing(new StackTraceElement[] {frame("dev.harvest.topology.LaneProcessor", "drain"),
                frame("org.apache.kafka.streams.processor.internals.StreamTask", "punctuate"),
                frame("org.apache.kafka.streams.processor.internals.TaskExecutor", "punctuate"), run}))
                .isEqualTo(Timeline.Doing.PUNCTUATE);
        assertThat(Timeline.doing(new StackTraceElement[] {park, run})).isEqualTo(Timeline.Doing.OTHER);
    }

    private static StackTraceElement frame(String className, String method) {
        return new StackTraceElement(className, method, null, -1);
    }

    private static double round(double v) {
        return BenchRunner.round(v, 3);
    }

    private static double round(double v, int places) {
        return BenchRunner.round(v, places);
    }
}
