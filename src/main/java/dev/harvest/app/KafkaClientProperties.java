package dev.harvest.app;

import dev.harvest.client.ClientProperties;
import dev.harvest.config.PipelineConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;

/** Client settings for every Kafka client the project makes: the pipeline file's properties plus our own. */
public final class KafkaClientProperties {

    /** How often a Kafka Streams app commits under exactly-once (see {@link #forPromptResults}). */
    public static final long EXACTLY_ONCE_COMMIT_MS = 50;

    private KafkaClientProperties() {
    }

    /** Bootstrap servers plus the pass-through {@code kafka.properties} (SASL/SSL and the like). */
    public static Properties common(PipelineConfig config) {
        return ClientProperties.common(config);
    }

    /**
     * @param idlePoll how long a stream thread with nothing to read waits in {@code poll()}; its punctuators (which
     *                 route completions and release due retries) run only between polls. Kafka's default is 100 ms;
     *                 {@code poll.ms} in the pipeline file's {@code kafka.properties} wins.
     */
    public static Properties streams(PipelineConfig config, String applicationId, Path stateDir, String instanceId,
                                     int threads, Duration idlePoll) {
        Properties p = common(config);
        p.putIfAbsent(StreamsConfig.POLL_MS_CONFIG, Long.toString(Math.max(1, idlePoll.toMillis())));
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.kafka().processingGuarantee());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.kafka().replicationFactor());
        forPromptResults(p);
        // No waiting to line up records of several input partitions by timestamp: lanes read one topic, and the
        // retry gate and batch tracker order by their own keys. Spares the stream thread a check per record.
        p.putIfAbsent(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        // Last line of defence: a record whose processing throws unexpectedly is logged and sent to the
        // dead-letter topic by Kafka Streams itself, instead of stopping the stream thread.
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueProcessingExceptionHandler.class);
        p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, config.deadLetterTopic());
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        if (instanceId != null && !instanceId.isBlank()) {
            // Static membership: a restarted pod keeps its partitions without a rebalance.
            p.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), instanceId);
        }
        return p;
    }

    /**
     * Settings of a Kafka Streams app, unless already set in {@code p}, that bring its output to readers sooner:
     * <ul>
     *   <li>its producers wait {@value ClientProperties#LINGER_MS} ms to fill a batch, as a plain producer does, not Kafka
     *       Streams' 100 ms, which at a low rate or under at-least-once would hold each result back that long;</li>
     *   <li>under exactly-once it commits every {@value #EXACTLY_ONCE_COMMIT_MS} ms, not 100: a result is readable
     *       only once the transaction that wrote it commits, so a reader waits on average half the interval,
     *       plus the commit.</li>
     * </ul>
     */
    public static void forPromptResults(Properties p) {
        String producerLinger = StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG);
        if (!p.containsKey(ProducerConfig.LINGER_MS_CONFIG) && !p.containsKey(producerLinger)) {
            p.put(producerLinger, ClientProperties.LINGER_MS);
        }
        if (StreamsConfig.EXACTLY_ONCE_V2.equals(p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG))) {
            p.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, EXACTLY_ONCE_COMMIT_MS);
        }
    }

    public static Properties producer(PipelineConfig config) {
        return ClientProperties.producer(config);
    }

    public static Properties consumer(PipelineConfig config, String groupId) {
        Properties p = common(config);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        if (groupId == null) {
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        } else {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        return p;
    }
}
