package dev.harvest.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * What the batch tracker knows of one batch, stored as JSON: the declared size (-1 until declared), counts by
 * outcome, first and last times, and a log-scale histogram of task durations (first seen → ended) from which
 * p50/p99 are read to within 10 %.
 */
final class BatchState {

    private static final double BASE = 1.1;
    private static final int BUCKETS = 200;

    long size = -1;
    long completed;
    long deadLettered;
    long firstMs = Long.MAX_VALUE;
    long lastMs = Long.MIN_VALUE;
    long declaredAtMs;
    long completedAtMs;
    boolean done;
    private final long[] buckets = new long[BUCKETS];

    long ended() {
        return completed + deadLettered;
    }

    /** Tasks not yet ended, or -1 while the size is not declared. */
    long outstanding() {
        return size < 0 ? -1 : Math.max(0, size - ended());
    }

    boolean isComplete() {
        return size >= 0 && ended() >= size;
    }

    void ended(long firstSeenMs, long endedMs) {
        firstMs = Math.min(firstMs, firstSeenMs);
        lastMs = Math.max(lastMs, endedMs);
        buckets[bucket(Math.max(0, endedMs - firstSeenMs))]++;
    }

    /** Upper bound of the bucket holding the {@code p}-th percentile duration, in ms; 0 with no tasks. */
    long percentileMs(double p) {
        long total = 0;
        for (long b : buckets) {
            total += b;
        }
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(p / 100.0 * total);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += buckets[i];
            if (seen >= rank) {
                return i == 0 ? 1 : (long) Math.ceil(Math.pow(BASE, i + 1));
            }
        }
        return (long) Math.pow(BASE, BUCKETS);
    }

    private static int bucket(long ms) {
        if (ms <= 1) {
            return 0;
        }
        return (int) Math.min(BUCKETS - 1, Math.floor(Math.log(ms) / Math.log(BASE)));
    }

    /** The record the tracker publishes for the batch. */
    ObjectNode toRecord(String batchId, String status) {
        ObjectNode n = TaskCodec.mapper().createObjectNode();
        n.put("batchId", batchId);
        n.put("status", status);
        n.put("size", size);
        n.put("completed", completed);
        n.put("deadLettered", deadLettered);
        n.put("outstanding", outstanding());
        n.put("firstAt", firstMs == Long.MAX_VALUE ? null : IsoInstants.format(firstMs));
        n.put("lastAt", lastMs == Long.MIN_VALUE ? null : IsoInstants.format(lastMs));
        n.put("p50Ms", percentileMs(50));
        n.put("p99Ms", percentileMs(99));
        if (done) {
            n.put("completedAt", IsoInstants.format(completedAtMs));
        }
        return n;
    }

    byte[] encode() {
        ObjectNode n = TaskCodec.mapper().createObjectNode();
        n.put("size", size).put("completed", completed).put("deadLettered", deadLettered).put("firstMs", firstMs)
                .put("lastMs", lastMs).put("declaredAtMs", declaredAtMs).put("completedAtMs", completedAtMs)
                .put("done", done);
        ObjectNode h = n.putObject("histogram");
        for (int i = 0; i < BUCKETS; i++) {
            if (buckets[i] > 0) {
                h.put(Integer.toString(i), buckets[i]);
            }
        }
        try {
            return TaskCodec.mapper().writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static BatchState decode(byte[] bytes) {
        BatchState s = new BatchState();
        if (bytes == null) {
            return s;
        }
        try {
            JsonNode n = TaskCodec.mapper().readTree(bytes);
            s.size = n.path("size").asLong(-1);
            s.completed = n.path("completed").asLong();
            s.deadLettered = n.path("deadLettered").asLong();
            s.firstMs = n.path("firstMs").asLong(Long.MAX_VALUE);
            s.lastMs = n.path("lastMs").asLong(Long.MIN_VALUE);
            s.declaredAtMs = n.path("declaredAtMs").asLong();
            s.completedAtMs = n.path("completedAtMs").asLong();
            s.done = n.path("done").asBoolean();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.path("histogram").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                s.buckets[Integer.parseInt(e.getKey())] = e.getValue().asLong();
            }
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
