package dev.harvest.topology;

import dev.harvest.config.LaneConfig;
import dev.harvest.config.PipelineConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds every topology of a pipeline in one place: one per lane and one for the retry tiers. Their
 * {@code describe()} output is committed under {@code topologies/} and checked by a test.
 */
public final class TopologyFactory {

    public static final String LANE_SOURCE = "lane-source";
    public static final String LANE_PROCESSOR = "lane-processor";
    public static final String RETRY_SOURCE = "retry-source";
    public static final String RETRY_GATE = "retry-gate-processor";
    public static final String BATCH_OUTCOME_SOURCE = "batch-outcome-source";
    public static final String BATCH_KEYER = "batch-keyer";
    public static final String BATCH_EVENT_SOURCE = "batch-event-source";
    public static final String BATCH_TRACKER = "batch-tracker";

    private TopologyFactory() {
    }

    /** Application id of a lane app: {@code <pipeline>-<lane>}. */
    public static String laneAppId(PipelineConfig config, LaneConfig lane) {
        return config.pipeline() + "-" + lane.name();
    }

    /** Application id of the retry app: {@code <pipeline>-retry}. */
    public static String retryAppId(PipelineConfig config) {
        return config.pipeline() + "-retry";
    }

    /**
     * A lane's topology: source → lane processor (in-flight and dedupe stores) → results, dead letters and
     * one sink per retry tier.
     */
    public static Topology lane(PipelineConfig config, LaneConfig lane,
                                Function<LaneConfig, ? extends Processor<byte[], byte[], byte[], byte[]>> processors) {
        Topology topology = new Topology();
        topology.addSource(LANE_SOURCE, Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
                lane.topic());
        topology.addProcessor(LANE_PROCESSOR, () -> processors.apply(lane), LANE_SOURCE);
        topology.addStateStore(inflightStore(), LANE_PROCESSOR);
        topology.addStateStore(Deduplicator.storeBuilder(LaneProcessor.DEDUPE_STORE, config.dedupeWindow()),
                LANE_PROCESSOR);
        addSink(topology, OutcomeRouter.RESULTS_SINK, config.resultsTopic(), LANE_PROCESSOR);
        addSink(topology, OutcomeRouter.DLQ_SINK, config.deadLetterTopic(), LANE_PROCESSOR);
        List<String> tiers = config.retryTopics();
        for (int i = 0; i < tiers.size(); i++) {
            addSink(topology, OutcomeRouter.retrySink(i), tiers.get(i), LANE_PROCESSOR);
        }
        return topology;
    }

    /** The retry app's topology: every tier topic → delay gate → back to each lane's topic (or dead letters). */
    public static Topology retry(PipelineConfig config, Clock clock, Duration interval) {
        Topology topology = new Topology();
        topology.addSource(RETRY_SOURCE, Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
                config.retryTopics().toArray(new String[0]));
        topology.addProcessor(RETRY_GATE, () -> new RetryGateProcessor(config, clock, interval), RETRY_SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RetryGateProcessor.GATE_STORE),
                Serdes.Bytes(), Serdes.ByteArray()), RETRY_GATE);
        for (LaneConfig lane : config.lanes()) {
            addSink(topology, RetryGateProcessor.laneSink(lane), lane.topic(), RETRY_GATE);
        }
        addSink(topology, RetryGateProcessor.DLQ_SINK, config.deadLetterTopic(), RETRY_GATE);
        return topology;
    }

    /** Application id of the batch tracker: {@code <pipeline>-batches}. */
    public static String batchAppId(PipelineConfig config) {
        return config.pipeline() + "-batches";
    }

    /**
     * The batch tracker's topology: results and dead letters → keyed by batch id → {@code <pipeline>.batch-events}
     * (where producers also declare batches) → tracker (batch and per-task stores) → {@code <pipeline>.batches}.
     */
    public static Topology batches(PipelineConfig config, Clock clock, Duration progressInterval) {
        Topology topology = new Topology();
        topology.addSource(BATCH_OUTCOME_SOURCE, Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
                config.resultsTopic(), config.deadLetterTopic());
        topology.addProcessor(BATCH_KEYER, () -> new BatchKeyProcessor(config), BATCH_OUTCOME_SOURCE);
        addSink(topology, "batch-events-sink", config.batchEventsTopic(), BATCH_KEYER);
        topology.addSource(BATCH_EVENT_SOURCE, Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
                config.batchEventsTopic());
        topology.addProcessor(BATCH_TRACKER, () -> new BatchProcessor(clock, progressInterval), BATCH_EVENT_SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(BatchProcessor.BATCH_STORE),
                Serdes.String(), Serdes.ByteArray()), BATCH_TRACKER);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(BatchProcessor.TASK_STORE),
                Serdes.String(), Serdes.String()), BATCH_TRACKER);
        addSink(topology, "batches-sink", config.batchesTopic(), BATCH_TRACKER);
        return topology;
    }

    /** A processor that does nothing: for describing a lane's topology without running it. */
    public static Processor<byte[], byte[], byte[], byte[]> describeOnly() {
        return new Processor<>() {
            @Override
            public void process(Record<byte[], byte[]> record) {
                throw new UnsupportedOperationException("topology built for describe() only");
            }
        };
    }

    private static void addSink(Topology topology, String name, String topic, String parent) {
        topology.addSink(name, topic, Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), parent);
    }

    /** Changelogged, and written behind: a task that ends before the next commit never reaches the changelog. */
    private static StoreBuilder<KeyValueStore<String, byte[]>> inflightStore() {
        return WriteBehindStore.builder(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(LaneProcessor.INFLIGHT_STORE), Serdes.String(), Serdes.ByteArray()));
    }
}
