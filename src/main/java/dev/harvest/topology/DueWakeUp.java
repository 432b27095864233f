package dev.harvest.topology;

import java.time.Clock;
import java.time.Duration;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * A wall-clock wake-up set for the moment the earliest held record is due, and for no other.
 *
 * <p>Kafka Streams commits a task after any punctuation (see {@link OnDemandPunctuator}); a punctuator firing at
 * a fixed short interval while a record waits minutes for its delay tier would make the app commit a transaction
 * every commit interval for all that time. This one fires when something is due: the processor calls
 * {@link #at(long)} with the due time of each record it holds (a later time than the one set changes nothing),
 * and the action, run at the firing, sends what is due and returns when the next held record is.
 */
final class DueWakeUp {

    /** Returned by an action when nothing is held any more. */
    static final long NOTHING = Long.MAX_VALUE;

    /** What runs at the firing; returns the due time of the next held record, or {@link #NOTHING}. */
    @FunctionalInterface
    interface Action {
        long run();
    }

    private final ProcessorContext<?, ?> context;
    private final Clock clock;
    private final long minDelayMs;
    private final Action action;
    private Cancellable scheduled;
    /** When the scheduled firing comes; {@link #NOTHING} exactly when none is scheduled. */
    private long scheduledFor = NOTHING;

    /**
     * @param minDelay the shortest wait between two firings (a due time already passed fires after this)
     */
    DueWakeUp(ProcessorContext<?, ?> context, Clock clock, Duration minDelay, Action action) {
        this.context = context;
        this.clock = clock;
        this.minDelayMs = Math.max(1, minDelay.toMillis());
        this.action = action;
    }

    /** Makes sure a firing comes no later than {@code dueMs} (or the minimum delay from now). */
    void at(long dueMs) {
        long now = clock.millis();
        long fireAt = Math.max(dueMs, now + minDelayMs);
        if (scheduledFor <= fireAt) {
            return;
        }
        cancel();
        scheduled = context.schedule(Duration.ofMillis(fireAt - now), PunctuationType.WALL_CLOCK_TIME, ts -> fire());
        scheduledFor = fireAt;
    }

    /** The time the next firing is set for, or {@link #NOTHING}. */
    long scheduledFor() {
        return scheduledFor;
    }

    private void fire() {
        cancel(); // one firing per schedule: the next is set for the next due time
        long next = action.run();
        if (next != NOTHING) {
            at(next);
        }
    }

    private void cancel() {
        if (scheduled != null) {
            scheduled.cancel();
            scheduled = null;
            scheduledFor = NOTHING;
        }
    }
}
