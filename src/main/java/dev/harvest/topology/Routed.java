package dev.harvest.topology;

import org.apache.kafka.streams.processor.api.Record;

/**
 * A record and the sink it goes to.
 *
 * @param child   name of the sink node
 * @param outcome {@code completed}, {@code retried} or {@code dead-lettered} (for metrics)
 * @param detail  the retry tier or the dead-letter reason
 */
public record Routed(String child, Record<byte[], byte[]> record, String outcome, String detail) {

    /** The same, with the record's timestamp set to when it is forwarded. */
    public Routed withTimestamp(long timestamp) {
        return new Routed(child, record.withTimestamp(timestamp), outcome, detail);
    }
}
