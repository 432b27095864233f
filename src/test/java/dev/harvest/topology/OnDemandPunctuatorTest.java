package dev.harvest.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedPunctuator;
import org.junit.jupiter.api.Test;

class OnDemandPunctuatorTest {

    private final MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>();
    private final AtomicBoolean more = new AtomicBoolean(true);
    private final AtomicInteger runs = new AtomicInteger();
    private final OnDemandPunctuator punctuator = new OnDemandPunctuator(context, Duration.ofMillis(20), () -> {
        runs.incrementAndGet();
        return more.get();
    });

    @Test
    void shouldScheduleNothingUntilThereIsWork() {
        assertThat(context.scheduledPunctuators()).isEmpty();
        assertThat(punctuator.isScheduled()).isFalse();
    }

    @Test
    void shouldScheduleOnceForManyCallsWhileBusy() {
        punctuator.ensure();
        punctuator.ensure();
        punctuator.ensure();

        assertThat(context.scheduledPunctuators()).hasSize(1);
        CapturedPunctuator p = context.scheduledPunctuators().get(0);
        assertThat(p.getType()).isEqualTo(PunctuationType.WALL_CLOCK_TIME);
        assertThat(p.getInterval()).isEqualTo(Duration.ofMillis(20));
        p.getPunctuator().punctuate(0);
        p.getPunctuator().punctuate(20);
        assertThat(runs).hasValue(2);
        assertThat(p.cancelled()).as("work left: it goes on firing").isFalse();
    }

    @Test
    void shouldCancelItselfWhenNothingIsLeftAndComeBackWhenWorkDoes() {
        punctuator.ensure();
        CapturedPunctuator first = context.scheduledPunctuators().get(0);
        more.set(false);

        first.getPunctuator().punctuate(0);

        assertThat(first.cancelled()).isTrue();
        assertThat(punctuator.isScheduled()).isFalse();
        punctuator.ensure();
        assertThat(context.scheduledPunctuators()).hasSize(2);
        assertThat(context.scheduledPunctuators().get(1).cancelled()).isFalse();
        assertThat(punctuator.isScheduled()).isTrue();
    }

    @Test
    void shouldKeepItsScheduleForTheGraceFiringsThenStop() {
        OnDemandPunctuator graced = new OnDemandPunctuator(context, Duration.ofMillis(20), 3, more::get);
        graced.ensure();
        CapturedPunctuator p = context.scheduledPunctuators().get(0);
        more.set(false);
        p.getPunctuator().punctuate(0);
        p.getPunctuator().punctuate(20);
        assertThat(p.cancelled()).as("two idle firings of three").isFalse();

        more.set(true);
        p.getPunctuator().punctuate(40);
        more.set(false);
        p.getPunctuator().punctuate(60);
        p.getPunctuator().punctuate(80);
        assertThat(p.cancelled()).as("work in between starts the count again").isFalse();

        p.getPunctuator().punctuate(100);
        assertThat(p.cancelled()).isTrue();
        assertThat(graced.isScheduled()).isFalse();
    }
}
