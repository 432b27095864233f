package dev.harvest.app.dlq;

import dev.harvest.config.PipelineConfig;
import dev.harvest.topology.HarvestHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Sends replay batches, each with its audit record, in one transaction per batch. */
final class ReplaySender implements AutoCloseable {

    private final PipelineConfig config;
    private final KafkaProducer<byte[], byte[]> producer;
    private final String auditId;
    private final ReplayRequest request;
    private final Clock clock;
    private int batchNo;

    /** Takes over {@code producer}, on which {@code initTransactions()} has been called. */
    ReplaySender(PipelineConfig config, KafkaProducer<byte[], byte[]> producer, String auditId, ReplayRequest request,
                 Clock clock) {
        this.config = config;
        this.producer = producer;
        this.auditId = auditId;
        this.request = request;
        this.clock = clock;
    }

    /** Sends the canaries and waits for their outcomes. */
    ReplayReport.Canary canary(List<ReplayReport.Planned> canaries) {
        try (CanaryWatch watch = new CanaryWatch(config, auditId)) {
            sendBatch(canaries, "canary");
            return watch.await(canaries, request.canaryTimeout());
        }
    }

    /** Sends everything in batches of {@link DeadLetterReplayer#BATCH}; returns how many were sent. */
    int sendAll(List<ReplayReport.Planned> planned, String phase) {
        for (int from = 0; from < planned.size(); from += DeadLetterReplayer.BATCH) {
            sendBatch(planned.subList(from, Math.min(planned.size(), from + DeadLetterReplayer.BATCH)), phase);
        }
        return planned.size();
    }

    private void sendBatch(List<ReplayReport.Planned> batch, String phase) {
        if (batch.isEmpty()) {
            return;
        }
        batchNo++;
        producer.beginTransaction();
        try {
            batch.forEach(p -> producer.send(replayRecord(p, auditId)));
            byte[] audit = ReplayAudit.record(auditId, request.operator(), clock.instant(), phase + "-" + batchNo,
                    request.force(), batch);
            producer.send(new ProducerRecord<>(ReplayAudit.topic(config), auditId.getBytes(StandardCharsets.UTF_8),
                    audit));
            producer.commitTransaction();
        } catch (ProducerFencedException e) {
            throw new IllegalStateException("another replay of pipeline '" + config.pipeline()
                    + "' started meanwhile; this one stopped and its last batch was not sent", e);
        } catch (KafkaException e) {
            abortQuietly();
            throw new IllegalStateException("replay batch failed and was rolled back: " + e.getMessage(), e);
        }
    }

    private void abortQuietly() {
        try {
            producer.abortTransaction();
        } catch (KafkaException fatal) {
            // the producer is unusable; the broker aborts the open transaction when it times out
        }
    }

    /** The original key and value, the producer's own headers, and the replay headers. */
    static ProducerRecord<byte[], byte[]> replayRecord(ReplayReport.Planned p, String auditId) {
        DeadLetter d = p.deadLetter();
        RecordHeaders headers = new RecordHeaders();
        for (DeadLetter.RawHeader h : d.rawHeaders()) {
            if (!isPipelineHeader(h.name())) {
                headers.add(h.name(), h.value());
            }
        }
        HarvestHeaders.set(headers, HarvestHeaders.REPLAY, auditId);
        HarvestHeaders.set(headers, CanaryWatch.SOURCE, d.coordinates());
        return new ProducerRecord<>(p.targetTopic(), null, d.keyBytes(), d.value(), headers);
    }

    /** Headers the pipeline wrote (attempt, due time, failure facts): dropped so the replay starts afresh. */
    static boolean isPipelineHeader(String name) {
        return name.startsWith(HarvestHeaders.PREFIX) || name.startsWith("__connect.errors.")
                || name.startsWith("__streams.errors.");
    }

    @Override
    public void close() {
        producer.close();
    }
}
