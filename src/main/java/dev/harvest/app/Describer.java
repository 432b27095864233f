package dev.harvest.app;

import dev.harvest.config.LaneConfig;
import dev.harvest.config.PipelineConfig;
import dev.harvest.topology.TopologyFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code Topology.describe()} of every app of a pipeline, without connecting to anything. */
public final class Describer {

    private Describer() {
    }

    /** Application id → description: lanes first, then the retry app, then the batch tracker if enabled. */
    public static Map<String, String> describeAll(PipelineConfig config) {
        Map<String, String> out = new LinkedHashMap<>();
        for (LaneConfig lane : config.lanes()) {
            out.put(TopologyFactory.laneAppId(config, lane),
                    TopologyFactory.lane(config, lane, l -> TopologyFactory.describeOnly()).describe().toString());
        }
        out.put(TopologyFactory.retryAppId(config),
                TopologyFactory.retry(config, Clock.systemUTC(), Duration.ofMillis(50)).describe().toString());
        if (config.batches()) {
            out.put(TopologyFactory.batchAppId(config),
                    TopologyFactory.batches(config, Clock.systemUTC(), Duration.ofSeconds(1)).describe().toString());
        }
        return out;
    }

    /** All descriptions as one text, as committed beside each pipeline file. */
    public static String snapshot(PipelineConfig config) {
        StringBuilder sb = new StringBuilder();
        describeAll(config).forEach((app, text) -> sb.append("# application.id: ").append(app).append('\n')
                .append(text.strip()).append("\n\n"));
        return sb.toString();
    }
}
