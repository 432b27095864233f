package dev.harvest.config;

import java.util.Map;
import java.util.Optional;

/**
 * Where the Kafka cluster is and how to talk to it.
 *
 * @param bootstrapServers  {@code host:port[,host:port]}
 * @param properties        passed unchanged to every client (SASL/SSL settings and the like)
 * @param replicationFactor for topics the project creates; {@code -1} takes the broker's default
 * @param processingGuarantee Kafka Streams {@code processing.guarantee} ({@code exactly_once_v2} by default)
 */
public record KafkaSettings(String bootstrapServers, Map<String, String> properties, Integer replicationFactor,
                            String processingGuarantee) {

    public KafkaSettings {
        Check.notBlank("bootstrapServers", bootstrapServers);
        properties = properties == null ? Map.of() : Map.copyOf(properties);
        replicationFactor = replicationFactor == null ? -1 : replicationFactor;
        if (replicationFactor == 0 || replicationFactor < -1) {
            throw new ConfigException("replicationFactor", "must be -1 (broker default) or >= 1, was " + replicationFactor);
        }
        processingGuarantee = processingGuarantee == null ? "exactly_once_v2" : processingGuarantee;
        if (!processingGuarantee.equals("exactly_once_v2") && !processingGuarantee.equals("at_least_once")) {
            throw new ConfigException("processingGuarantee",
                    "must be exactly_once_v2 or at_least_once, was '" + processingGuarantee + "'");
        }
    }

    /** The replication factor for a new topic: empty for the broker's default. */
    public Optional<Short> topicReplication() {
        return replicationFactor < 0 ? Optional.empty() : Optional.of(replicationFactor.shortValue());
    }

    @Override
    public String toString() {
        // properties may hold SASL passwords: print their names only.
        return "KafkaSettings[bootstrapServers=" + bootstrapServers + ", properties=" + properties.keySet()
                + ", replicationFactor=" + replicationFactor + ", processingGuarantee=" + processingGuarantee + "]";
    }
}
