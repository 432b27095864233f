package dev.harvest.bench;

import dev.harvest.lease.IdempotencyLedger;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The result pass-throughs' processor: for each record, a record of the pipeline's result's shape (the sample's
 * value and headers) under the record's key, with nothing between. With a ledger, each record's key is first
 * recorded in it with the sample's handler result, as a completed task is. What Kafka (and the ledger) cost for
 * the records the pipeline must write, with none of its own work.
 */
final class AsResult implements Processor<byte[], byte[], byte[], byte[]> {

    private final ResultSample sample;
    private final IdempotencyLedger ledger;
    private ProcessorContext<byte[], byte[]> context;

    /** @param ledger where each record's key is recorded as a completed task; null for none */
    AsResult(ResultSample sample, IdempotencyLedger ledger) {
        this.sample = sample;
        this.ledger = ledger;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> ctx) {
        this.context = ctx;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        if (ledger != null && record.key() != null) {
            ledger.record(new String(record.key(), StandardCharsets.UTF_8), sample.resultJson());
        }
        context.forward(new Record<>(record.key(), sample.value(), record.timestamp(),
                new RecordHeaders(sample.headers())));
    }
}
