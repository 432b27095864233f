package dev.harvest.topology;

import dev.harvest.config.LaneConfig;
import dev.harvest.config.PipelineConfig;
import dev.harvest.task.DeadLetterReason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The delay gate of the retry app: holds each retry in a changelogged store keyed by its due time (big-endian
 * millis first, so the store's order is time order) and, from a wall-clock wake-up set for the earliest due
 * time ({@link DueWakeUp}), sends every due record back to the topic of the lane it came from. No stream thread
 * ever sleeps, and while retries wait nothing fires, so the app commits nothing.
 */
public final class RetryGateProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    public static final String GATE_STORE = "retry-gate";
    public static final String LANE_SINK_PREFIX = "to-lane-";
    public static final String DLQ_SINK = OutcomeRouter.DLQ_SINK;

    private final PipelineConfig config;
    private final Clock clock;
    private final Duration interval;
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<Bytes, byte[]> gate;
    private DueWakeUp releaser;

    public RetryGateProcessor(PipelineConfig config, Clock clock, Duration interval) {
        this.config = config;
        this.clock = clock;
        this.interval = interval;
    }

    public static String laneSink(LaneConfig lane) {
        return LANE_SINK_PREFIX + lane.name();
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> ctx) {
        this.context = ctx;
        this.gate = ctx.getStateStore(GATE_STORE);
        // Fires only when a held retry is due: a punctuation makes Kafka Streams commit.
        this.releaser = new DueWakeUp(ctx, clock, interval, this::releaseDue);
        releaser.at(clock.millis()); // retries restored from the changelog
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        Instant due = HarvestHeaders.getInstant(record.headers(), HarvestHeaders.DUE_AT);
        long dueMs = due == null ? 0L : due.toEpochMilli();
        InFlightEntry entry = new InFlightEntry(record.key(), record.value(), record.headers(), meta.topic(),
                meta.partition(), meta.offset(), record.timestamp(), 0, 0L);
        if (dueMs <= clock.millis()) {
            send(entry);
        } else {
            gate.put(gateKey(dueMs, meta), entry.encode());
            releaser.at(dueMs);
        }
    }

    /** Sends every due retry on; returns when the next held one is due, or {@link DueWakeUp#NOTHING}. */
    private long releaseDue() {
        long now = clock.millis();
        List<KeyValue<Bytes, byte[]>> due = new ArrayList<>();
        long next = DueWakeUp.NOTHING;
        try (KeyValueIterator<Bytes, byte[]> it = gate.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                long dueMs = ByteBuffer.wrap(kv.key.get()).getLong();
                if (dueMs > now) {
                    next = dueMs;
                    break;
                }
                due.add(kv);
            }
        }
        for (KeyValue<Bytes, byte[]> kv : due) {
            send(InFlightEntry.decode(kv.value));
            gate.delete(kv.key);
        }
        return next;
    }

    private void send(InFlightEntry entry) {
        Headers headers = entry.copyHeaders();
        String laneName = HarvestHeaders.get(headers, HarvestHeaders.LANE);
        LaneConfig lane = laneName == null ? null : config.lane(laneName).orElse(null);
        if (lane == null) {
            int attempts = (int) HarvestHeaders.getLong(headers, HarvestHeaders.ATTEMPT, 1);
            Record<byte[], byte[]> dead = DeadLetters.build(entry, DeadLetterReason.MALFORMED, "UnknownLane",
                    "retry record names lane '" + laneName + "', which the pipeline does not have", attempts,
                    laneName == null ? "" : laneName, clock.instant());
            context.forward(dead, DLQ_SINK);
            return;
        }
        headers.remove(HarvestHeaders.DUE_AT);
        context.forward(new Record<>(entry.key(), entry.value(), clock.millis(), headers), laneSink(lane));
    }

    private static Bytes gateKey(long dueMs, RecordMetadata meta) {
        byte[] suffix = (meta.topic() + "/" + meta.partition() + "/" + meta.offset()).getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + suffix.length);
        buf.putLong(dueMs).put(suffix);
        return Bytes.wrap(buf.array());
    }
}
