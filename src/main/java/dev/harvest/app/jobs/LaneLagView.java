package dev.harvest.app.jobs;

import dev.harvest.client.LaneLag;
import dev.harvest.config.LaneConfig;
import dev.harvest.config.PipelineConfig;
import dev.harvest.metrics.MetricNames;
import dev.harvest.metrics.TagNames;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every instance: reads the lane lags the leader published, shows them as gauges, and under
 * {@code priority: strict} pauses a lane's app while a higher lane's lag is above {@code pauseAbove} and resumes
 * it once every higher lane is at or below {@code resumeBelow}. Lags older than 30 s count as unknown, and
 * unknown never pauses anything (fail open).
 */
public final class LaneLagView {

    private static final Logger LOG = LoggerFactory.getLogger(LaneLagView.class);

    private final PipelineConfig config;
    private final RedisAsyncCommands<String, String> redis;
    private final Map<String, KafkaStreams> laneApps;
    private final Map<String, Double> lags = new ConcurrentHashMap<>();
    private final Map<String, Boolean> paused = new ConcurrentHashMap<>();

    /** {@code laneApps}: lane name → its app in this instance. */
    public LaneLagView(PipelineConfig config, RedisAsyncCommands<String, String> redis,
                       Map<String, KafkaStreams> laneApps, MeterRegistry registry) {
        this.config = config;
        this.redis = redis;
        this.laneApps = laneApps;
        for (LaneConfig lane : config.lanes()) {
            lags.put(lane.name(), Double.NaN);
            Gauge.builder(MetricNames.LANE_LAG, lags, m -> m.getOrDefault(lane.name(), Double.NaN))
                    .description("Consumer lag of the lane's app, published by the lane-lag monitor")
                    .tag(TagNames.LANE, lane.name()).register(registry);
        }
    }

    /** One refresh: read lags, update gauges, apply strict priority. */
    public void refresh() {
        try {
            Map<String, String> raw = redis.hgetall(LaneLagJob.lagKey(config)).get(5, TimeUnit.SECONDS);
            long now = System.currentTimeMillis();
            for (LaneConfig lane : config.lanes()) {
                lags.put(lane.name(), parse(raw.get(lane.name()), now));
            }
        } catch (Exception e) {
            config.lanes().forEach(l -> lags.put(l.name(), Double.NaN));
        }
        if (config.strictPriority()) {
            applyPriority();
        }
    }

    /** True while this instance holds the lane's app paused. */
    public boolean isPaused(String lane) {
        return paused.getOrDefault(lane, false);
    }

    private void applyPriority() {
        double higherMax = Double.NaN;
        for (LaneConfig lane : config.lanes()) {
            boolean isPaused = paused.getOrDefault(lane.name(), false);
            boolean known = !Double.isNaN(higherMax);
            if (!isPaused && known && higherMax > config.priorityLag().pauseAbove()) {
                setPaused(lane.name(), true, higherMax);
            } else if (isPaused && (!known || higherMax <= config.priorityLag().resumeBelow())) {
                setPaused(lane.name(), false, higherMax);
            }
            double own = lags.getOrDefault(lane.name(), Double.NaN);
            higherMax = Double.isNaN(higherMax) ? own : Double.isNaN(own) ? higherMax : Math.max(higherMax, own);
        }
    }

    private void setPaused(String lane, boolean pause, double higherLag) {
        KafkaStreams app = laneApps.get(lane);
        if (app == null) {
            return;
        }
        if (pause) {
            app.pause();
        } else {
            app.resume();
        }
        paused.put(lane, pause);
        LOG.info("{} lane {} (lag of higher lanes: {})", pause ? "paused" : "resumed", lane, higherLag);
    }

    private static double parse(String value, long now) {
        OptionalLong lag = LaneLag.parse(value, now);
        return lag.isPresent() ? lag.getAsLong() : Double.NaN;
    }
}
