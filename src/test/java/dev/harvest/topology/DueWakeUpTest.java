package dev.harvest.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedPunctuator;
import org.junit.jupiter.api.Test;

class DueWakeUpTest {

    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
    private static final long T0 = START.toEpochMilli();

    private final MutableClock clock = new MutableClock(START);
    private final MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>();
    /** What the action answers at each firing: the next due time. */
    private final Deque<Long> answers = new ArrayDeque<>();
    private int runs;
    private final DueWakeUp wakeUp = new DueWakeUp(context, clock, Duration.ofMillis(20), () -> {
        runs++;
        return answers.isEmpty() ? DueWakeUp.NOTHING : answers.poll();
    });

    @Test
    void shouldFireOnceAtTheDueTimeNotAtEveryInterval() {
        wakeUp.at(T0 + 60_000);

        assertThat(live()).hasSize(1);
        assertThat(live().get(0).getInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(wakeUp.scheduledFor()).isEqualTo(T0 + 60_000);
    }

    @Test
    void shouldMoveEarlierForAnEarlierDueTimeAndIgnoreLaterOnes() {
        wakeUp.at(T0 + 60_000);
        wakeUp.at(T0 + 90_000);
        assertThat(context.scheduledPunctuators()).as("a later due time changes nothing").hasSize(1);

        wakeUp.at(T0 + 5_000);

        assertThat(context.scheduledPunctuators().get(0).cancelled()).isTrue();
        assertThat(live()).hasSize(1);
        assertThat(live().get(0).getInterval()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void shouldWaitAtLeastTheMinimumDelayForWhatIsAlreadyDue() {
        wakeUp.at(T0 - 1_000);

        assertThat(live().get(0).getInterval()).isEqualTo(Duration.ofMillis(20));
    }

    @Test
    void shouldSetTheNextFiringForWhatTheActionSaysIsNextAndStopWhenNothingIsHeld() {
        wakeUp.at(T0 + 1_000);
        answers.add(T0 + 31_000);
        clock.advance(Duration.ofSeconds(1));

        live().get(0).getPunctuator().punctuate(T0 + 1_000);

        assertThat(runs).isEqualTo(1);
        assertThat(live()).hasSize(1);
        assertThat(live().get(0).getInterval()).isEqualTo(Duration.ofSeconds(30));

        clock.advance(Duration.ofSeconds(30));
        live().get(0).getPunctuator().punctuate(T0 + 31_000);

        assertThat(runs).isEqualTo(2);
        assertThat(live()).as("nothing held: nothing scheduled").isEmpty();
        assertThat(wakeUp.scheduledFor()).isEqualTo(DueWakeUp.NOTHING);
    }

    private List<CapturedPunctuator> live() {
        return context.scheduledPunctuators().stream().filter(p -> !p.cancelled()).toList();
    }
}
