package dev.harvest.config;

/**
 * One priority lane: its source topic and how much of it may run at once in one instance.
 *
 * @param maxBacklog producers of the Java client refuse (or wait) while the lane's lag is above this; null for
 *                   no limit
 */
public record LaneConfig(String name, String topic, Integer partitions, Integer maxInFlight, Long maxBacklog) {

    public LaneConfig {
        Check.identifier("name", name);
        Check.topicName("topic", topic);
        partitions = partitions == null ? 6 : Check.positive("partitions", partitions);
        maxInFlight = maxInFlight == null ? 256 : Check.positive("maxInFlight", maxInFlight);
        if (maxBacklog != null && maxBacklog < 0) {
            throw new ConfigException("maxBacklog", "must be >= 0, was " + maxBacklog);
        }
    }

    /** A lane without a backlog limit. */
    public LaneConfig(String name, String topic, Integer partitions, Integer maxInFlight) {
        this(name, topic, partitions, maxInFlight, null);
    }
}
