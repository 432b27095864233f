package dev.harvest.topology;

import dev.harvest.metrics.MetricNames;
import dev.harvest.metrics.Meters;
import dev.harvest.metrics.TagNames;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;

/** Meters for what the lane processors decide: outcomes, retries by tier, dead letters by reason, duplicates. */
public final class LaneMetrics {

    private final Meters meters;

    public LaneMetrics(MeterRegistry registry) {
        this.meters = new Meters(registry);
    }

    public MeterRegistry registry() {
        return meters.registry();
    }

    void outcome(String lane, String type, String outcome) {
        meters.counter(MetricNames.TASKS, "Task attempts finished, by lane, type and outcome",
                TagNames.LANE, lane, TagNames.TYPE, type, TagNames.OUTCOME, outcome).increment();
    }

    void retry(String lane, String tier) {
        meters.counter(MetricNames.RETRIES, "Retries sent to a delay tier", TagNames.LANE, lane, TagNames.TIER, tier)
                .increment();
    }

    void deadLetter(String lane, String reason) {
        meters.counter(MetricNames.DEAD_LETTERS, "Records written to the dead-letter topic, by reason",
                TagNames.LANE, lane, TagNames.REASON, reason).increment();
    }

    void duplicate(String lane) {
        meters.counter(MetricNames.DUPLICATES,
                "Records dropped because their idempotencyKey was seen within the dedupe window",
                TagNames.LANE, lane).increment();
    }

    void endToEnd(String lane, String outcome, Duration latency) {
        meters.timer(MetricNames.TASK_E2E, "From first seen to the final outcome (result or dead letter)",
                TagNames.LANE, lane, TagNames.OUTCOME, outcome).record(latency.isNegative() ? Duration.ZERO : latency);
    }
}
