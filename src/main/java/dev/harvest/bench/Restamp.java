package dev.harvest.bench;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The paced pass-through's processor: forwards each record stamped with the time it is forwarded; its creation time
 * goes along in a header ({@link #CREATED}).
 */
final class Restamp implements Processor<byte[], byte[], byte[], byte[]> {

    /** The header in which a forwarded record carries its input record's creation time (epoch ms). */
    static final String CREATED = "created";

    /** Adds the {@link #CREATED} header, as the pass-throughs' reader reads it. */
    static void addCreated(Headers headers, long createdMs) {
        headers.add(CREATED, Long.toString(createdMs).getBytes(StandardCharsets.UTF_8));
    }

    private ProcessorContext<byte[], byte[]> context;

    @Override
    public void init(ProcessorContext<byte[], byte[]> ctx) {
        this.context = ctx;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        Record<byte[], byte[]> stamped = record.withTimestamp(System.currentTimeMillis());
        addCreated(stamped.headers(), record.timestamp());
        context.forward(stamped);
    }
}
