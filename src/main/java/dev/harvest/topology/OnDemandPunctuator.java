package dev.harvest.topology;

import java.time.Duration;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * A wall-clock punctuator that runs only while its processor has work for it.
 *
 * <p>Kafka Streams commits a task after any punctuation, whether or not it did anything; under exactly-once
 * that commit is a transaction (offsets sent, markers written). A punctuator scheduled for good makes an idle
 * task commit every commit interval: with four apps, 80 transactions a second and a tenth of a core of broker
 * time on a pipeline with no task to run. So the processor calls {@link #ensure()} when it takes on work, and
 * the action returns whether there is more: when there has been none for {@code idleFirings} firings in a row,
 * the punctuator cancels itself. Scheduling happens once per idle-to-busy change, not per record, and a few
 * firings of grace keep a steady trickle of work on the same fixed schedule as constant work.
 */
final class OnDemandPunctuator {

    /** What runs at each firing; returns true while there is work left for later firings. */
    @FunctionalInterface
    interface Action {
        boolean run();
    }

    private final ProcessorContext<?, ?> context;
    private final Duration interval;
    private final Action action;
    private final int idleFirings;
    private Cancellable scheduled;
    private int idle;

    /** Cancels itself at the first firing that finds nothing left to do. */
    OnDemandPunctuator(ProcessorContext<?, ?> context, Duration interval, Action action) {
        this(context, interval, 1, action);
    }

    /** Cancels itself after {@code idleFirings} firings in a row found nothing left to do. */
    OnDemandPunctuator(ProcessorContext<?, ?> context, Duration interval, int idleFirings, Action action) {
        if (idleFirings < 1) {
            throw new IllegalArgumentException("idleFirings must be at least 1, was " + idleFirings);
        }
        this.context = context;
        this.interval = interval;
        this.idleFirings = idleFirings;
        this.action = action;
    }

    /** Schedules the punctuator unless it is scheduled already. Call on the stream thread. */
    void ensure() {
        idle = 0;
        if (scheduled == null) {
            scheduled = context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, ts -> fire());
        }
    }

    boolean isScheduled() {
        return scheduled != null;
    }

    private void fire() {
        if (action.run()) {
            idle = 0;
        } else if (++idle >= idleFirings) {
            scheduled.cancel();
            scheduled = null;
            idle = 0;
        }
    }
}
