package dev.harvest.client;

import dev.harvest.config.KafkaSettings;
import dev.harvest.config.PipelineConfig;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Kafka client settings from a pipeline file: its {@code kafka.properties} plus the project's own. */
public final class ClientProperties {

    /** How long a producer waits to fill a batch unless {@code kafka.properties} says otherwise. */
    public static final int LINGER_MS = 5;

    private ClientProperties() {
    }

    /** Bootstrap servers plus the pass-through {@code kafka.properties} (SASL/SSL and the like). */
    public static Properties common(PipelineConfig config) {
        return common(config.kafka());
    }

    /** The same from the {@code kafka} section alone. */
    public static Properties common(KafkaSettings kafka) {
        Properties p = new Properties();
        p.putAll(kafka.properties());
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return p;
    }

    /**
     * An idempotent producer of byte-array records, acknowledged by all in-sync replicas whatever
     * {@code kafka.properties} says; it waits {@value #LINGER_MS} ms to fill a batch unless {@code linger.ms} is set
     * there.
     */
    public static Properties producer(PipelineConfig config) {
        Properties p = common(config);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, LINGER_MS);
        return p;
    }
}
