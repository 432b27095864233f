package dev.harvest.topology;

import dev.harvest.config.LaneConfig;
import dev.harvest.config.PipelineConfig;
import dev.harvest.execution.TaskDispatcher;
import dev.harvest.task.Lane;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * What every processor of one lane shares: the lane, the JVM-wide dispatcher, routing, metrics and timing.
 *
 * @param drainInterval  how often completions are drained on the stream thread when no record arrives
 * @param maxBlock       longest a {@code process()} call waits for room (well under max.poll.interval.ms)
 * @param replayHorizon  which records may be replays, so that only those are looked up in the ledger
 */
public record LaneRuntime(PipelineConfig config, LaneConfig laneConfig, Lane lane, TaskDispatcher dispatcher,
                          OutcomeRouter router, LaneMetrics metrics, Clock clock, Duration drainInterval,
                          Duration maxBlock, ReplayHorizon replayHorizon) {

    public LaneRuntime {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(laneConfig, "laneConfig");
        Objects.requireNonNull(lane, "lane");
        Objects.requireNonNull(dispatcher, "dispatcher");
        Objects.requireNonNull(router, "router");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(replayHorizon, "replayHorizon");
    }

    /** The drain's interval while attempts run and no record comes in; also the lane consumer's longest poll. */
    public Duration quickDrainInterval() {
        return drainInterval.compareTo(QUICK_DRAIN) <= 0 ? drainInterval : QUICK_DRAIN;
    }

    private static final Duration QUICK_DRAIN = Duration.ofMillis(5);
}
