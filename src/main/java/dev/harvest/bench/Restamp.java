package dev.harvest.bench;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The paced pass-through's processor: forwards each record stamped with the time it is forwarded; its creation time
 * goes along in a header ({@link Passthrough#CREATED}).
 */
final class Restamp implements Processor<byte[], byte[], byte[], byte[]> {

    private ProcessorContext<byte[], byte[]> context;

    @Override
    public void init(ProcessorContext<byte[], byte[]> ctx) {
        this.context = ctx;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        Record<byte[], byte[]> stamped = record.withTimestamp(System.currentTimeMillis());
        stamped.headers().add(Passthrough.CREATED, Long.toString(record.timestamp()).getBytes(StandardCharsets.UTF_8));
        context.forward(stamped);
    }
}
