package dev.harvest.config;

/**
 * One priority lane: its source topic and how much of it may run at once in one instance.
 */
public record LaneConfig(String name, String topic, Integer partitions, Integer maxInFlight) {

    public LaneConfig {
        Check.identifier("name", name);
        Check.topicName("topic", topic);
        partitions = partitions == null ? 6 : Check.positive("partitions", partitions);
        maxInFlight = maxInFlight == null ? 256 : Check.positive("maxInFlight", maxInFlight);
    }
}
