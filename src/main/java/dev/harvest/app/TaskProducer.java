package dev.harvest.app;

import dev.harvest.client.SendFailures;
import dev.harvest.config.LaneConfig;
import dev.harvest.config.PipelineConfig;
import dev.harvest.topology.TaskCodec;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Produces task records to a lane's topic, keyed by task id, exactly as the pipeline expects them. */
public final class TaskProducer implements AutoCloseable {

    private final PipelineConfig config;
    private final KafkaProducer<byte[], byte[]> producer;
    private final SendFailures failures = new SendFailures();

    public TaskProducer(PipelineConfig config) {
        this.config = config;
        this.producer = new KafkaProducer<>(KafkaClientProperties.producer(config));
    }

    /** The lane's config, or an error that lists the lanes there are. */
    public LaneConfig lane(String name) {
        return config.lane(name).orElseThrow(() -> new IllegalArgumentException("unknown lane '" + name
                + "'; lanes are " + config.lanes().stream().map(LaneConfig::name).toList()));
    }

    /**
     * Sends one task given as JSON text after checking it parses as a task.
     *
     * @throws IllegalArgumentException with what is wrong, when the text is not a valid task
     */
    public Future<RecordMetadata> sendJson(String lane, String json) {
        byte[] value = json.getBytes(StandardCharsets.UTF_8);
        TaskCodec.Parsed parsed = TaskCodec.parse(value, null);
        if (!parsed.ok()) {
            throw new IllegalArgumentException(parsed.problem());
        }
        return sendRaw(lane, parsed.task().id(), value);
    }

    /** Sends bytes as they are (also bytes that are not a valid task: they will be dead-lettered). */
    public Future<RecordMetadata> sendRaw(String lane, String key, byte[] value) {
        byte[] keyBytes = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        return send(new ProducerRecord<>(lane(lane).topic(), keyBytes, value));
    }

    private Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
        return producer.send(record, (meta, error) -> failures.record(error));
    }

    /** Records the broker acknowledged so far. */
    public long acknowledged() {
        return failures.acknowledged();
    }

    /**
     * Waits until every record sent so far is acknowledged.
     *
     * @throws IllegalStateException when any of them was not written, with how many and the first reason
     */
    public void flush() {
        producer.flush();
        failures.check();
    }

    /** Waits for a send to be acknowledged; turns a failure into an exception with the broker's reason. */
    public static RecordMetadata await(Future<RecordMetadata> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("send failed: " + TopicAdmin.rootMessage(e), e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
