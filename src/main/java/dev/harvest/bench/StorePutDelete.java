package dev.harvest.bench;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Puts each record in the store and deletes it again before forwarding it. */
final class StorePutDelete implements Processor<byte[], byte[], byte[], byte[]> {

    static final String STORE = "held";

    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, byte[]> store;

    @Override
    public void init(ProcessorContext<byte[], byte[]> ctx) {
        this.context = ctx;
        this.store = ctx.getStateStore(STORE);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String id = context.recordMetadata().map(m -> m.partition() + "-" + m.offset()).orElse("?");
        store.put(id, record.value());
        store.delete(id);
        context.forward(record);
    }
}
