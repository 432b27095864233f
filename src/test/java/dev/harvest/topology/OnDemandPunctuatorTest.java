package dev.harvest.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import dev.harvest.topology.OnDemandPunctuator.Firing;
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

    @Test
    void shouldStretchWhileWorkWaitsAndComeBackOnceSomethingIsDone() {
        AtomicReference<Firing> found = new AtomicReference<>(Firing.WAITING);
        OnDemandPunctuator drain = stretchingTo500(found);
        context.setCurrentSystemTimeMs(1_000);
        drain.ensure();
        assertThat(drain.interval()).isEqualTo(Duration.ofMillis(20));

        fire(1_020);
        fire(1_390);
        assertThat(context.scheduledPunctuators()).as("quiet for under 400 ms: the schedule stays").hasSize(1);
        fire(2_010);
        assertThat(drain.interval()).as("doubled while within a tenth of the 1,010 ms it has been quiet")
                .isEqualTo(Duration.ofMillis(80));
        assertThat(context.scheduledPunctuators().get(0).cancelled()).isTrue();
        assertThat(live().getInterval()).as("fires at the next multiple of 80 ms on the clock")
                .isEqualTo(Duration.ofMillis(2_080 - 2_010));
        fire(11_000);
        assertThat(drain.interval()).as("no longer than the maximum").isEqualTo(Duration.ofMillis(320));
        assertThat(live().getInterval()).isEqualTo(Duration.ofMillis(11_200 - 11_000));

        found.set(Firing.WORKED);
        fire(11_200);
        assertThat(drain.interval()).as("it did something: back to the base").isEqualTo(Duration.ofMillis(20));
        assertThat(live().getInterval()).isEqualTo(Duration.ofMillis(20));
        found.set(Firing.WAITING);
        fire(12_500);
        assertThat(drain.interval()).as("quiet counted from the last work").isEqualTo(Duration.ofMillis(80));

        context.setCurrentSystemTimeMs(12_550);
        drain.ensure();
        assertThat(drain.interval()).as("new work: back to the base").isEqualTo(Duration.ofMillis(20));
        assertThat(live().getInterval()).isEqualTo(Duration.ofMillis(20));
        assertThat(context.scheduledPunctuators().stream().filter(p -> !p.cancelled())).hasSize(1);
    }

    @Test
    void shouldFireAtItsQuickIntervalWhileNoWorkArrivesAndAtTheBaseWhileWorkKeepsArriving() {
        AtomicReference<Firing> found = new AtomicReference<>(Firing.WAITING);
        OnDemandPunctuator drain = OnDemandPunctuator.stretching(context, Duration.ofMillis(20), Duration.ofMillis(5),
                Duration.ofMillis(500), 3, found::get);
        context.setCurrentSystemTimeMs(1_000);
        drain.ensure();
        assertThat(drain.interval()).isEqualTo(Duration.ofMillis(20));

        fire(1_020);
        assertThat(drain.interval()).as("no work came within 5 ms of the firing: quick").isEqualTo(Duration.ofMillis(5));
        assertThat(live().getInterval()).isEqualTo(Duration.ofMillis(5));
        found.set(Firing.WORKED);
        fire(1_025);
        assertThat(drain.interval()).isEqualTo(Duration.ofMillis(5));

        context.setCurrentSystemTimeMs(1_028);
        drain.ensure();
        assertThat(drain.interval()).as("new work keeps the quick schedule in place").isEqualTo(Duration.ofMillis(5));
        assertThat(context.scheduledPunctuators().stream().filter(p -> !p.cancelled())).hasSize(1);
        fire(1_030);
        assertThat(drain.interval()).as("work came 2 ms before the firing: the base").isEqualTo(Duration.ofMillis(20));

        found.set(Firing.IDLE);
        fire(1_050);
        assertThat(drain.interval()).as("the grace is at the base").isEqualTo(Duration.ofMillis(20));
        found.set(Firing.WAITING);
        fire(2_000);
        assertThat(drain.interval()).as("a long wait stretches as before").isEqualTo(Duration.ofMillis(80));
    }

    @Test
    void shouldFireItsPartitionsTogetherOnceStretched() {
        MockProcessorContext<byte[], byte[]> other = new MockProcessorContext<>();
        OnDemandPunctuator first = OnDemandPunctuator.stretching(context, Duration.ofMillis(20),
                Duration.ofMillis(640), 3, () -> Firing.WAITING);
        OnDemandPunctuator second = OnDemandPunctuator.stretching(other, Duration.ofMillis(20),
                Duration.ofMillis(640), 3, () -> Firing.WAITING);
        context.setCurrentSystemTimeMs(0);
        other.setCurrentSystemTimeMs(7);
        first.ensure();
        second.ensure();

        fire(context, 10_003);
        fire(other, 10_017);
        assertThat(first.interval()).isEqualTo(second.interval()).isEqualTo(Duration.ofMillis(640));
        assertThat(10_003 + live(context).getInterval().toMillis())
                .as("both set for the same moment").isEqualTo(10_017 + live(other).getInterval().toMillis())
                .isEqualTo(10_240);
    }

    @Test
    void shouldNotStretchWhileIdleAndStopAfterItsGrace() {
        OnDemandPunctuator drain = stretchingTo500(new AtomicReference<>(Firing.IDLE));
        context.setCurrentSystemTimeMs(0);
        drain.ensure();
        fire(5_000);
        fire(10_000);
        assertThat(drain.interval()).isEqualTo(Duration.ofMillis(20));
        fire(15_000);
        assertThat(drain.isScheduled()).isFalse();
        assertThat(drain.interval()).isEqualTo(Duration.ZERO);
    }

    /** From 20 ms up to 500 ms, three idle firings of grace; each firing finds what {@code found} holds. */
    private OnDemandPunctuator stretchingTo500(AtomicReference<Firing> found) {
        return OnDemandPunctuator.stretching(context, Duration.ofMillis(20), Duration.ofMillis(500), 3, found::get);
    }

    /** Fires the punctuator in place at wall-clock time {@code now}. */
    private void fire(long now) {
        fire(context, now);
    }

    private static void fire(MockProcessorContext<byte[], byte[]> ctx, long now) {
        live(ctx).getPunctuator().punctuate(now);
    }

    private CapturedPunctuator live() {
        return live(context);
    }

    private static CapturedPunctuator live(MockProcessorContext<byte[], byte[]> ctx) {
        return ctx.scheduledPunctuators().stream().filter(p -> !p.cancelled()).reduce((a, b) -> b).orElseThrow();
    }
}
