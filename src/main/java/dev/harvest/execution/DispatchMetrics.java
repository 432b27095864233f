package dev.harvest.execution;

import dev.harvest.metrics.MetricNames;
import dev.harvest.metrics.Meters;
import dev.harvest.metrics.TagNames;
import dev.harvest.task.Lane;
import dev.harvest.task.TaskOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The dispatcher's meters: handler durations, admission wait, in-flight per lane, lost leases. */
public final class DispatchMetrics {

    private final Meters meters;

    public DispatchMetrics(MeterRegistry registry) {
        this.meters = new Meters(registry);
    }

    /** The provider answered 429 on {@code keyId} of {@code pool} (the key id, never its secret). */
    void rateLimited(String pool, String keyId) {
        meters.counter(MetricNames.RATE_LIMITED, "HTTP 429 answers from providers, by pool and key id",
                TagNames.POOL, pool == null ? "" : pool, TagNames.KEY, keyId == null ? "" : keyId).increment();
    }

    void ledgerLookup(Lane lane) {
        meters.counter(MetricNames.LEDGER_LOOKUPS,
                "Tasks that may be replays, looked up in the idempotency ledger before their call",
                TagNames.LANE, lane.name()).increment();
    }

    void ledgerSkip(Lane lane) {
        meters.counter(MetricNames.LEDGER_SKIPS,
                "Replayed tasks whose recorded result was published without calling the provider again",
                TagNames.LANE, lane.name()).increment();
    }

    /** State gauges and transition counts of a handler's breaker; call once per breaker. */
    public void registerBreaker(HandlerBreaker breaker) {
        for (HandlerBreaker.State state : HandlerBreaker.State.values()) {
            Gauge.builder(MetricNames.BREAKER_STATE, breaker, b -> b.state() == state ? 1 : 0)
                    .description("1 for the state the handler's circuit breaker is in, 0 for the others")
                    .tag(TagNames.HANDLER, breaker.handler()).tag(TagNames.STATE, state.label())
                    .register(meters.registry());
        }
        breaker.onTransition(to -> meters.counter(MetricNames.BREAKER_TRANSITIONS,
                "State changes of a handler's circuit breaker, by the state entered",
                TagNames.HANDLER, breaker.handler(), TagNames.STATE, to.label()).increment());
        breakerRejections(breaker);
    }

    void breakerRejected(HandlerBreaker breaker) {
        breakerRejections(breaker).increment();
    }

    private Counter breakerRejections(HandlerBreaker breaker) {
        return meters.counter(MetricNames.BREAKER_REJECTED,
                "Attempts sent to the retry path without a provider call because the handler's breaker was open",
                TagNames.HANDLER, breaker.handler());
    }

    void registerInFlight(Lane lane, LaneGate gate) {
        // Counted by the admission control that renews leases; registered here so the series exists from the start.
        meters.counter(MetricNames.LEASES_LOST, "Attempts whose lease was lost while the handler ran",
                TagNames.LANE, lane.name());
        Gauge.builder(MetricNames.IN_FLIGHT, gate, LaneGate::running)
                .description("Attempts executing now in this instance")
                .tag(TagNames.LANE, lane.name())
                .register(meters.registry());
    }

    void recordAdmissionWait(Lane lane, long nanos) {
        meters.timer(MetricNames.ADMISSION_WAIT, "Time from submission to a granted key lease and permit",
                TagNames.LANE, lane.name()).record(nanos, TimeUnit.NANOSECONDS);
    }

    void recordCompletion(Completion completion) {
        // Lost leases are counted where they are detected: by the admission control that renews them.
        if (completion.startedAt() == null) {
            return;
        }
        meters.timer(MetricNames.TASK_DURATION, "Time a handler took for one attempt",
                TagNames.LANE, completion.execution().lane().name(), TagNames.TYPE, completion.execution().task().type(),
                TagNames.OUTCOME, outcomeName(completion.outcome()))
                .record(Duration.between(completion.startedAt(), completion.completedAt()));
    }

    /** The outcome's tag value. */
    public static String outcomeName(TaskOutcome outcome) {
        if (outcome instanceof TaskOutcome.Completed) {
            return "completed";
        } else if (outcome instanceof TaskOutcome.RetryLater) {
            return "retry";
        } else if (outcome instanceof TaskOutcome.RateLimited) {
            return "rate-limited";
        }
        return "dead-letter";
    }
}
