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
 *
 * <p>A {@linkplain #stretching stretching} punctuator also fires less often while its work waits on something
 * else (calls that take seconds) and its firings find nothing to do: the interval doubles, up to a maximum, as
 * long as it stays within a tenth of the time since the punctuator last did something or {@link #ensure()} was
 * called, and comes back to the base interval at the next firing that does something, or the next
 * {@code ensure()}. What the work waited for is then taken up at most a tenth of that quiet time (and at most the
 * maximum) later than at the base interval. A stretched firing comes at a multiple of its interval on the wall
 * clock, so the punctuators of a stream thread's partitions fire together and their app commits once for all.
 *
 * <p>A stretching punctuator may also have a quick interval, shorter than the base one: after a firing that found
 * work done or pending, the next comes at the quick interval unless {@link #ensure()} was called within the quick
 * interval before the firing. Work that keeps arriving that often takes up what is pending itself (the processor
 * does at each record), and the punctuator keeps its base interval; otherwise what is pending is taken up sooner.
 */
final class OnDemandPunctuator {

    /** What a firing of a stretching punctuator found. */
    enum Firing {
        /** It did something, or what it waits for must not wait longer: the next firings come at the base interval. */
        WORKED,
        /** Work is pending, none of it could be done yet: the interval may stretch. */
        WAITING,
        /** Nothing is left: one firing of the grace. */
        IDLE
    }

    /** What runs at each firing; returns true while there is work left for later firings. */
    @FunctionalInterface
    interface Action {
        boolean run();
    }

    /** What runs at each firing of a stretching punctuator. */
    @FunctionalInterface
    interface Step {
        Firing run();
    }

    /** A stretched interval stays within this fraction of the quiet time: a tenth. */
    static final int STRETCH_DIVISOR = 10;

    private final ProcessorContext<?, ?> context;
    private final long baseMs;
    private final long quickMs;
    private final long maxMs;
    private final Step step;
    private final int idleFirings;
    private Cancellable scheduled;
    /**
     * The interval of the schedule in place (meaningful while {@link #scheduled} is set): the base and the
     * quick ones are periodic, a longer one is a single firing set on the clock (see {@link #scheduleAligned}).
     */
    private long intervalMs;
    /** When the punctuator last did something, or was told of new work. */
    private long lastWorkMs;
    private int idle;
    /** When {@link #ensure()} was last called (kept only with a quick interval). */
    private long toldMs = Long.MIN_VALUE / 2;

    /** Cancels itself at the first firing that finds nothing left to do. */
    OnDemandPunctuator(ProcessorContext<?, ?> context, Duration interval, Action action) {
        this(context, interval, 1, action);
    }

    /** Cancels itself after {@code idleFirings} firings in a row found nothing left to do. */
    OnDemandPunctuator(ProcessorContext<?, ?> context, Duration interval, int idleFirings, Action action) {
        this(context, interval, interval, interval, idleFirings, () -> action.run() ? Firing.WORKED : Firing.IDLE);
    }

    private OnDemandPunctuator(ProcessorContext<?, ?> context, Duration interval, Duration quickInterval,
                               Duration maxInterval, int idleFirings, Step step) {
        if (idleFirings < 1) {
            throw new IllegalArgumentException("idleFirings must be at least 1, was " + idleFirings);
        }
        this.context = context;
        this.baseMs = Math.max(1, interval.toMillis());
        this.quickMs = Math.max(1, Math.min(baseMs, quickInterval.toMillis()));
        this.maxMs = Math.max(baseMs, maxInterval.toMillis());
        this.idleFirings = idleFirings;
        this.step = step;
    }

    /**
     * A punctuator whose interval stretches, from {@code interval} by doublings up to at most
     * {@code maxInterval} (not at all when that is shorter than {@code interval}), while its firings find work
     * {@link Firing#WAITING}; it cancels itself after {@code idleFirings} {@link Firing#IDLE} ones.
     */
    static OnDemandPunctuator stretching(ProcessorContext<?, ?> context, Duration interval, Duration maxInterval,
                                         int idleFirings, Step step) {
        return new OnDemandPunctuator(context, interval, interval, maxInterval, idleFirings, step);
    }

    /**
     * As {@link #stretching(ProcessorContext, Duration, Duration, int, Step)}, with a {@code quickInterval} (at
     * most {@code interval}) for the firings after one that found work while no new work came in.
     */
    static OnDemandPunctuator stretching(ProcessorContext<?, ?> context, Duration interval, Duration quickInterval,
                                         Duration maxInterval, int idleFirings, Step step) {
        return new OnDemandPunctuator(context, interval, quickInterval, maxInterval, idleFirings, step);
    }

    /**
     * Schedules the punctuator at its base interval unless it is scheduled at that or its quick interval already.
     * Call on the stream thread.
     */
    void ensure() {
        idle = 0;
        if (maxMs > baseMs || quickMs < baseMs) { // only these need the time
            lastWorkMs = context.currentSystemTimeMs();
            toldMs = lastWorkMs;
        }
        if (scheduled == null || intervalMs > baseMs) {
            schedulePeriodic(baseMs);
        }
    }

    boolean isScheduled() {
        return scheduled != null;
    }

    /** The interval of the schedule in place; zero when none is. */
    Duration interval() {
        return scheduled == null ? Duration.ZERO : Duration.ofMillis(intervalMs);
    }

    private void fire(long now) {
        long next = now - toldMs < quickMs ? baseMs : quickMs;
        switch (step.run()) {
            case WORKED -> {
                idle = 0;
                lastWorkMs = now;
                schedulePeriodic(next);
            }
            case WAITING -> {
                idle = 0;
                long stretched = stretchedInterval(now - lastWorkMs);
                if (stretched == baseMs) {
                    schedulePeriodic(next);
                } else {
                    scheduleAligned(now, stretched);
                }
            }
            case IDLE -> {
                if (++idle >= idleFirings) {
                    cancel();
                    idle = 0;
                } else {
                    schedulePeriodic(baseMs); // the grace is counted at the base interval
                }
            }
        }
    }

    /** The base interval doubled as often as it stays within the maximum and a tenth of the quiet time. */
    private long stretchedInterval(long quietMs) {
        long limit = Math.min(maxMs, quietMs / STRETCH_DIVISOR);
        long ms = baseMs;
        while (ms * 2 <= limit) {
            ms *= 2;
        }
        return ms;
    }

    /** Puts a periodic schedule of {@code ms} in place (its first firing one interval from now) unless it is. */
    private void schedulePeriodic(long ms) {
        if (scheduled != null && intervalMs == ms) {
            return;
        }
        cancel();
        scheduled = context.schedule(Duration.ofMillis(ms), PunctuationType.WALL_CLOCK_TIME, this::fire);
        intervalMs = ms;
    }

    /** Sets the next firing for the next multiple of {@code ms} (above the base) on the clock after {@code now}. */
    private void scheduleAligned(long now, long ms) {
        cancel();
        long next = (Math.floorDiv(now, ms) + 1) * ms;
        scheduled = context.schedule(Duration.ofMillis(next - now), PunctuationType.WALL_CLOCK_TIME, this::fire);
        intervalMs = ms;
    }

    private void cancel() {
        if (scheduled != null) {
            scheduled.cancel();
            scheduled = null;
        }
    }
}
