package dev.harvest.bench;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The delayed pass-throughs' processor: each record is forwarded as the pipeline's result (the sample's value and
 * headers, and the record's creation time in a header), stamped with the time it is forwarded, once it has held
 * one of the permits for {@code delayMs}. The permit is asked for when the stream thread takes the record in; the
 * wait runs on a timer, off the stream thread, as a task's call runs off it in the pipeline; what has waited is
 * forwarded by the stream thread at its next record or within {@link #DRAIN} otherwise. What Kafka Streams and
 * the permits alone add to a call of that latency at a given rate and guarantee: no Redis, leases, ledger,
 * in-flight store or parsing between. Not a product: a record whose wait has not ended at a commit is lost if the
 * app stops there.
 */
final class DelayedResult implements Processor<byte[], byte[], byte[], byte[]> {

    /** How often the stream thread forwards what has waited when no record comes in: the lane's quickest drain. */
    static final Duration DRAIN = Duration.ofMillis(5);

    /** Runs an action after a delay, off the stream thread. */
    interface Timer {
        void after(long delayMs, Runnable action);
    }

    /** A timer of one thread of its own, stopped when closed. */
    static final class Timers implements Timer, AutoCloseable {
        private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-delayed-results");
            t.setDaemon(true);
            return t;
        });

        @Override
        public void after(long delayMs, Runnable action) {
            thread.schedule(action, delayMs, TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
            thread.shutdownNow();
        }
    }

    private final ResultSample sample;
    private final Timer timer;
    private final long delayMs;
    private final FifoPermits permits;
    private final Queue<Record<byte[], byte[]>> waited = new ConcurrentLinkedQueue<>();
    private ProcessorContext<byte[], byte[]> context;

    /** @param permits shared by the app's processors */
    DelayedResult(ResultSample sample, Timer timer, long delayMs, FifoPermits permits) {
        this.sample = sample;
        this.timer = timer;
        this.delayMs = delayMs;
        this.permits = permits;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> ctx) {
        this.context = ctx;
        ctx.schedule(DRAIN, PunctuationType.WALL_CLOCK_TIME, now -> forwardWaited());
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        forwardWaited();
        permits.acquire(() -> timer.after(delayMs, () -> {
            permits.release();
            waited.add(record);
        }));
    }

    private void forwardWaited() {
        Record<byte[], byte[]> r;
        while ((r = waited.poll()) != null) {
            RecordHeaders headers = new RecordHeaders(sample.headers());
            Restamp.addCreated(headers, r.timestamp());
            context.forward(new Record<>(r.key(), sample.value(), System.currentTimeMillis(), headers));
        }
    }
}
