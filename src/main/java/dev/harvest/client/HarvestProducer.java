package dev.harvest.client;

import dev.harvest.client.redis.RedisLaneLag;
import dev.harvest.config.LaneConfig;
import dev.harvest.config.PipelineConfig;
import dev.harvest.task.Task;
import dev.harvest.topology.BatchEvents;
import dev.harvest.topology.TaskCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Submits tasks to a pipeline's lanes from any JVM service, written exactly as {@code harvest produce} writes them
 * (JSON, keyed by task id). Ids and idempotency keys are filled in when missing.
 *
 * <p>Backpressure: a lane with {@code maxBacklog} in the pipeline file refuses tasks while its lag (published by the
 * lane-lag monitor in Redis) is above it, at once or after waiting up to a bound ({@link Backpressure}). An unknown
 * lag (no monitor running, older than 30 s, Redis unreachable) lets tasks through: the check fails open. Thread-safe;
 * share one instance per process.
 */
public final class HarvestProducer implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(100);

    private final PipelineConfig config;
    private final Producer<byte[], byte[]> producer;
    private final LaneLagSource lags;
    private final Backpressure backpressure;
    private final SendFailures failures = new SendFailures();

    /**
     * @param lags         where lane lags are read; {@link #create} reads them from the pipeline's Redis
     * @param backpressure what {@link #submit(NewTask, String)} does on a full lane
     */
    public HarvestProducer(PipelineConfig config, Producer<byte[], byte[]> producer, LaneLagSource lags,
                           Backpressure backpressure) {
        this.config = config;
        this.producer = producer;
        this.lags = lags;
        this.backpressure = backpressure;
    }

    /** A producer for {@code config}; it connects to Redis only when some lane sets {@code maxBacklog}. */
    public static HarvestProducer create(PipelineConfig config, Backpressure backpressure) {
        boolean anyLimit = config.lanes().stream().anyMatch(l -> l.maxBacklog() != null);
        LaneLagSource lags = anyLimit ? new RedisLaneLag(config.redis(), config.pipeline(), POLL.toMillis())
                : lane -> OptionalLong.empty();
        return new HarvestProducer(config, new KafkaProducer<>(ClientProperties.producer(config)), lags, backpressure);
    }

    /** Sends one task with this producer's backpressure. */
    public Submitted submit(NewTask task, String lane) {
        return submit(task, lane, backpressure);
    }

    /**
     * Sends one task.
     *
     * @throws LaneBacklogFullException when the lane's lag is above its {@code maxBacklog} (after waiting, when
     *                                  {@code backpressure} blocks)
     * @throws IllegalArgumentException for an unknown lane or a payload that is not JSON
     */
    public Submitted submit(NewTask task, String lane, Backpressure backpressure) {
        LaneConfig laneConfig = lane(lane);
        awaitRoom(laneConfig, backpressure);
        return send(laneConfig, task);
    }

    /** Sends a task that already has its id, e.g. one read from a file. */
    public Submitted submit(Task task, String lane) {
        return submit(new NewTask(task.type(), task.payloadJson(), task.id(), task.idempotencyKey(), task.deadline(),
                task.cost(), task.batchId()), lane);
    }

    /**
     * Sends one task given as JSON text ({@code {"id","type","payload","idempotencyKey","deadline"}}, as
     * {@code harvest produce} reads it); a missing id is filled in.
     *
     * @throws IllegalArgumentException with what is wrong, when the text is not a valid task
     */
    public Submitted submitJson(String json, String lane) {
        return submitJson(json, lane, null);
    }

    /**
     * The same as a member of batch {@code batchId} (null: as it is); a task naming another batch is refused.
     *
     * @throws IllegalArgumentException with what is wrong, when the text is not a valid task
     */
    public Submitted submitJson(String json, String lane, String batchId) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        if (batchId != null) {
            checkBatch(batchId);
            bytes = TaskCodec.withBatchId(bytes, batchId);
        }
        TaskCodec.Parsed parsed = TaskCodec.parse(bytes, UUID.randomUUID().toString());
        if (!parsed.ok()) {
            throw new IllegalArgumentException(parsed.problem());
        }
        return submit(parsed.task(), lane);
    }

    /**
     * Sends {@code tasks} to one lane after one backpressure check for all of them; the records go out together
     * (batched by the Kafka producer). The result has one entry per task, in order.
     */
    public List<Submitted> submitBatch(List<NewTask> tasks, String lane) {
        LaneConfig laneConfig = lane(lane);
        awaitRoom(laneConfig, backpressure);
        List<Submitted> out = new ArrayList<>(tasks.size());
        for (NewTask task : tasks) {
            out.add(send(laneConfig, task));
        }
        return out;
    }

    /**
     * Sends {@code tasks} as batch {@code batchId} (after one backpressure check) and declares the batch's size,
     * so that the batch tracker emits one completion record once all of them ended. Needs {@code batches: true}.
     */
    public List<Submitted> submitBatch(String batchId, List<NewTask> tasks, String lane) {
        checkBatch(batchId);
        List<Submitted> out = submitBatch(tasks.stream().map(t -> t.withBatchId(batchId)).toList(), lane);
        declareBatch(batchId, tasks.size());
        return out;
    }

    /** Declares that batch {@code batchId} has {@code size} tasks (before or after they are sent). */
    public void declareBatch(String batchId, long size) {
        config.requireBatches();
        producer.send(new ProducerRecord<>(config.batchEventsTopic(),
                BatchEvents.checkBatchId(batchId).getBytes(StandardCharsets.UTF_8),
                BatchEvents.declaration(size, System.currentTimeMillis())), (meta, error) -> failures.record(error));
    }

    /**
     * Checks that batches are on for this pipeline and that {@code batchId} is a valid batch id.
     *
     * @throws IllegalArgumentException saying which is not the case
     */
    public void checkBatch(String batchId) {
        config.requireBatches();
        BatchEvents.checkBatchId(batchId);
    }

    /** The lane's config, or an error that lists the lanes there are. */
    public LaneConfig lane(String name) {
        return config.lane(name).orElseThrow(() -> new IllegalArgumentException("unknown lane '" + name
                + "'; lanes are " + config.lanes().stream().map(LaneConfig::name).toList()));
    }

    /**
     * Waits until every task submitted so far is acknowledged.
     *
     * @throws IllegalStateException when any of them was not written, with how many and the first reason
     */
    public void flush() {
        producer.flush();
        failures.check();
    }

    private void awaitRoom(LaneConfig lane, Backpressure backpressure) {
        if (lane.maxBacklog() == null) {
            return;
        }
        long deadline = System.nanoTime() + backpressure.maxWait().toNanos();
        while (true) {
            OptionalLong lag = lags.lag(lane.name());
            if (lag.isEmpty() || lag.getAsLong() <= lane.maxBacklog()) {
                return;
            }
            if (!backpressure.blocks() || System.nanoTime() - deadline >= 0) {
                throw new LaneBacklogFullException(lane.name(), lag.getAsLong(), lane.maxBacklog());
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LaneBacklogFullException(lane.name(), lag.getAsLong(), lane.maxBacklog());
            }
        }
    }

    private Submitted send(LaneConfig lane, NewTask draft) {
        String id = draft.id() == null || draft.id().isBlank() ? UUID.randomUUID().toString() : draft.id();
        String key = draft.idempotencyKey() == null || draft.idempotencyKey().isBlank() ? id : draft.idempotencyKey();
        byte[] value = TaskCodec.encode(new Task(id, draft.type(), draft.payloadJson(), key, draft.deadline(),
                draft.cost(), draft.batchId()));
        CompletableFuture<Submitted.Written> written = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(lane.topic(), id.getBytes(StandardCharsets.UTF_8), value), (meta, error) -> {
            failures.record(error);
            if (error != null) {
                written.completeExceptionally(error);
            } else {
                written.complete(new Submitted.Written(meta.topic(), meta.partition(), meta.offset()));
            }
        });
        return new Submitted(id, key, lane.name(), written);
    }

    @Override
    public void close() {
        producer.close();
        lags.close();
    }
}
