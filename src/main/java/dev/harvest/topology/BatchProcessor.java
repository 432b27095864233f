package dev.harvest.topology;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The batch tracker (a distributed barrier): counts each batch's tasks by outcome, once per task id, and when
 * the declared size is reached emits exactly one {@code completed} record for the batch to
 * {@code <pipeline>.batches}; the state lives in changelogged stores, so that holds across crashes and
 * rebalances under exactly-once. A task dead-lettered and later completed by a replay moves from
 * dead-lettered to completed while the batch is open. Batches that changed are also published as
 * {@code in-progress} once a second.
 */
public final class BatchProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    public static final String BATCH_STORE = "batches";
    public static final String TASK_STORE = "batch-tasks";
    public static final String STATUS_HEADER = "harvest.batch.status";
    private static final char SEP = '\u0000';

    private final Clock clock;
    private final Duration progressInterval;
    private final Set<String> changed = new LinkedHashSet<>();
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, byte[]> batches;
    private KeyValueStore<String, String> tasks;
    private OnDemandPunctuator publisher;

    public BatchProcessor(Clock clock, Duration progressInterval) {
        this.clock = clock;
        this.progressInterval = progressInterval;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> ctx) {
        this.context = ctx;
        this.batches = ctx.getStateStore(BATCH_STORE);
        this.tasks = ctx.getStateStore(TASK_STORE);
        // Runs only while a batch has progress to publish: a punctuation makes Kafka Streams commit.
        this.publisher = new OnDemandPunctuator(ctx, progressInterval, () -> {
            publishProgress();
            return false;
        });
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        JsonNode event = BatchEvents.parse(record.value());
        if (record.key() == null || event == null) {
            return;
        }
        String batchId = new String(record.key(), StandardCharsets.UTF_8);
        BatchState state = BatchState.decode(batches.get(batchId));
        if (state.done) {
            return;
        }
        String kind = event.path("kind").asText();
        if (kind.equals(BatchEvents.DECLARED)) {
            state.size = Math.max(0, event.path("size").asLong());
            state.declaredAtMs = event.path("atMs").asLong(clock.millis());
        } else if (kind.equals(BatchEvents.ENDED)) {
            if (!count(batchId, state, event)) {
                return;
            }
        } else {
            return;
        }
        if (state.isComplete()) {
            complete(batchId, state);
        } else {
            batches.put(batchId, state.encode());
            changed.add(batchId);
            publisher.ensure();
        }
    }

    /** Counts one task's outcome; false when it was already counted as it is. */
    private boolean count(String batchId, BatchState state, JsonNode event) {
        String taskId = event.path("taskId").asText(null);
        String outcome = event.path("outcome").asText();
        if (taskId == null) {
            return false;
        }
        String key = batchId + SEP + taskId;
        String before = tasks.get(key);
        if (before == null) {
            if (outcome.equals(BatchEvents.COMPLETED)) {
                state.completed++;
            } else {
                state.deadLettered++;
            }
            long ended = event.path("endedMs").asLong();
            state.ended(event.path("firstSeenMs").asLong(ended), ended);
        } else if (before.equals(BatchEvents.DEAD_LETTERED) && outcome.equals(BatchEvents.COMPLETED)) {
            state.deadLettered--;
            state.completed++;
        } else {
            return false;
        }
        tasks.put(key, outcome);
        return true;
    }

    private void complete(String batchId, BatchState state) {
        state.done = true;
        state.completedAtMs = clock.millis();
        batches.put(batchId, state.encode());
        changed.remove(batchId);
        emit(batchId, state, "completed");
        forgetTasks(batchId);
    }

    /** A finished batch needs no per-task marks any more: its state's done flag ignores whatever comes later. */
    private void forgetTasks(String batchId) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, String> it = tasks.prefixScan(batchId + SEP, new StringSerializer())) {
            it.forEachRemaining((KeyValue<String, String> kv) -> keys.add(kv.key));
        }
        keys.forEach(tasks::delete);
    }

    private void publishProgress() {
        for (String batchId : changed) {
            BatchState state = BatchState.decode(batches.get(batchId));
            if (!state.done) {
                emit(batchId, state, "in-progress");
            }
        }
        changed.clear();
    }

    private void emit(String batchId, BatchState state, String status) {
        byte[] value;
        try {
            value = TaskCodec.mapper().writeValueAsBytes(state.toRecord(batchId, status));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Record<byte[], byte[]> out = new Record<>(batchId.getBytes(StandardCharsets.UTF_8), value, clock.millis());
        out.headers().add(STATUS_HEADER, status.getBytes(StandardCharsets.UTF_8));
        context.forward(out);
    }
}
