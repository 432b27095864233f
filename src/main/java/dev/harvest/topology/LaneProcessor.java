package dev.harvest.topology;

import dev.harvest.execution.Completion;
import dev.harvest.execution.Execution;
import dev.harvest.execution.Submission;
import dev.harvest.task.Attempt;
import dev.harvest.task.DeadLetterReason;
import dev.harvest.task.Task;
import dev.harvest.task.TaskOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The lane processor: validate → de-duplicate → record in the changelogged in-flight store → hand to the
 * dispatcher → return. Completions come back on a queue and are routed on the stream thread (at every
 * {@code process()} and in a wall-clock punctuator): result, retry tier or dead letter; then the in-flight
 * entry is deleted, in the same transaction under exactly-once. {@code init()} resubmits whatever the store
 * still holds, so a crash or a rebalance loses nothing.
 */
public final class LaneProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    public static final String INFLIGHT_STORE = "inflight";
    public static final String DEDUPE_STORE = "dedupe-keys";
    private static final long AWAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** Firings of the drain with nothing running before it stops (a second at the default 20 ms). */
    private static final int DRAIN_GRACE_FIRINGS = 50;
    /** The longest the drain's interval stretches to while running attempts take long (see init). */
    static final Duration MAX_DRAIN_INTERVAL = Duration.ofMillis(640);

    private final LaneRuntime rt;
    private final BlockingQueue<Finished> completions = new LinkedTransferQueue<>();
    /** What this processor has handed to the dispatcher and not yet routed, by in-flight store key. */
    private final Map<String, Running> running = new HashMap<>();
    private final Deduplicator deduplicator;
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, byte[]> inflight;
    private OnDemandPunctuator drainer;
    /** The partition's end offset when this processor took it over, once known ({@link ReplayHorizon}). */
    private CompletableFuture<Long> horizon;
    private volatile boolean open;

    public LaneProcessor(LaneRuntime runtime) {
        this.rt = runtime;
        this.deduplicator = new Deduplicator(runtime.config().dedupeWindow(), runtime.clock());
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> ctx) {
        this.context = ctx;
        this.inflight = ctx.getStateStore(INFLIGHT_STORE);
        this.deduplicator.init(ctx.getStateStore(DEDUPE_STORE), ctx.taskId().partition());
        this.open = true;
        // The drain runs only while there is something for it: a punctuation makes Kafka Streams commit. It
        // stays on its schedule for a second with nothing running, so that tasks arriving one at a time keep one
        // fixed schedule. Restarted at each task, it would first fire one interval after the dispatch, just
        // before a call of about that latency ends, and each completion would wait nearly a whole interval more.
        // While attempts run and none ends (calls of seconds), it fires less often, so that the app does not
        // commit a transaction every commit interval for nothing: the interval doubles while it stays within a
        // tenth of the time since the last task or completion, up to MAX_DRAIN_INTERVAL (32 times the default
        // 20 ms), so a completion is routed at most that much later than at the base interval. While attempts
        // run and no record comes in (light load), it fires at the quick interval (5 ms), and the lane's consumer
        // polls no longer than that (LaneConsumer), so a call that ends is routed within a few milliseconds;
        // while records come in, each of them routes what completed, and the drain keeps its base interval.
        this.drainer = OnDemandPunctuator.stretching(ctx, rt.drainInterval(), rt.quickDrainInterval(),
                MAX_DRAIN_INTERVAL, DRAIN_GRACE_FIRINGS, () -> {
                    if (drain() > 0) {
                        return OnDemandPunctuator.Firing.WORKED;
                    }
                    if (running.isEmpty()) {
                        return OnDemandPunctuator.Firing.IDLE;
                    }
                    // Stopping: what still runs is routed at the base interval, so as not to hold the stop up.
                    return rt.dispatcher().drain().isDraining() ? OnDemandPunctuator.Firing.WORKED
                            : OnDemandPunctuator.Firing.WAITING;
                });
        this.horizon = rt.replayHorizon().endOffset(new TopicPartition(rt.laneConfig().topic(),
                ctx.taskId().partition()));
        resubmitStored();
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        if (drain() > 0) {
            drainer.ensure(); // completions are coming in: back to the base interval
        }
        InFlightEntry entry = entryOf(record);
        if (record.value() != null && record.value().length > rt.config().maxTaskBytes()) {
            deadLetter(entry, DeadLetterReason.OVERSIZED, "OversizedTask", "value has " + record.value().length
                    + " bytes, more than maxTaskBytes " + rt.config().maxTaskBytes());
            return;
        }
        TaskCodec.Parsed parsed = TaskCodec.parse(record.value(), keyText(record.key()));
        if (!parsed.ok()) {
            deadLetter(entry, DeadLetterReason.MALFORMED, "MalformedTask", parsed.problem());
            return;
        }
        Task task = parsed.task();
        if (!rt.dispatcher().knowsType(task.type())) {
            deadLetter(entry, DeadLetterReason.UNKNOWN_TYPE, "UnknownTaskType",
                    "no handler for task type '" + task.type() + "'");
            return;
        }
        if (task.isExpiredAt(rt.clock().instant())) {
            deadLetter(entry, DeadLetterReason.EXPIRED, "DeadlinePassed", "deadline " + task.deadline() + " passed");
            return;
        }
        if (entry.attempt() == 1 && isReplayFree(record.headers()) && deduplicator.isDuplicate(task)) {
            rt.metrics().duplicate(rt.lane().name());
            return;
        }
        String entryId = entry.partition() + "-" + entry.offset();
        inflight.put(entryId, entry.encode());
        if (rt.dispatcher().drain().isDraining()) {
            return; // stopping: the record stays in the store for whoever owns the partition next
        }
        dispatch(entryId, entry, task, mayBeReplay(entry, record.headers()));
        awaitRoom();
    }

    /** Drains completions until this processor's share is below the lane cap, for at most {@code maxBlock}. */
    private void awaitRoom() {
        if (running.size() < rt.laneConfig().maxInFlight()) {
            return;
        }
        long deadline = System.nanoTime() + rt.maxBlock().toNanos();
        while (running.size() >= rt.laneConfig().maxInFlight() && !rt.dispatcher().drain().isDraining()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                // In slices, so that a graceful stop that begins meanwhile is seen at once.
                Finished f = completions.poll(Math.min(left, AWAIT_SLICE_NANOS), TimeUnit.NANOSECONDS);
                if (f != null) {
                    complete(f);
                    drain();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void resubmitStored() {
        List<KeyValue<String, byte[]>> stored = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = inflight.all()) {
            it.forEachRemaining(stored::add);
        }
        if (rt.dispatcher().drain().isDraining()) {
            return;
        }
        for (KeyValue<String, byte[]> kv : stored) {
            InFlightEntry entry = InFlightEntry.decode(kv.value);
            TaskCodec.Parsed parsed = TaskCodec.parse(entry.value(), keyText(entry.key()));
            if (parsed.ok()) {
                dispatch(kv.key, entry, parsed.task(), true); // an earlier owner may have run it
            } else {
                inflight.delete(kv.key);
                deadLetter(entry, DeadLetterReason.MALFORMED, "MalformedTask", parsed.problem());
            }
        }
    }

    /**
     * Whether an earlier run of this record's task may have completed: a retry or a dead letter sent back (an
     * earlier attempt ran), or a record below the partition's end offset when this processor took it over (an
     * earlier owner may have run it; see {@link ReplayHorizon}).
     */
    private boolean mayBeReplay(InFlightEntry entry, Headers headers) {
        if (entry.attempt() > 1 || !isReplayFree(headers) || entry.offset() < 0) {
            return true;
        }
        return !horizon.isDone() || horizon.isCompletedExceptionally() || entry.offset() < horizon.join();
    }

    private void dispatch(String entryId, InFlightEntry entry, Task task, boolean mayBeReplay) {
        Attempt attempt = new Attempt(entry.attempt(), Instant.ofEpochMilli(entry.firstSeenMs()));
        Execution execution = new Execution(entryId, task, attempt, rt.lane(), mayBeReplay);
        Submission submission = rt.dispatcher().submit(execution, c -> {
            if (open) {
                // A result record is built here, on the completing thread, to keep the stream thread free for
                // what only it can do; retries and dead letters (rare, and drawing on the retry policy's
                // random source) are routed on the stream thread.
                completions.add(new Finished(c, c.outcome() instanceof TaskOutcome.Completed
                        ? rt.router().route(c, entry) : null));
            }
        });
        running.put(entryId, new Running(entry, submission));
        drainer.ensure();
        rt.dispatcher().drain().opened();
    }

    /** Routes the completions that came in; returns how many. */
    private int drain() {
        int n = 0;
        Finished f;
        while ((f = completions.poll()) != null) {
            complete(f);
            n++;
        }
        if (rt.dispatcher().drain().isDraining()) {
            handBackUnstarted();
        }
        return n;
    }

    /** Stopping: attempts that have not reached their handler are cancelled and left in the store. */
    private void handBackUnstarted() {
        int n = 0;
        for (var it = running.values().iterator(); it.hasNext(); ) {
            Running r = it.next();
            if (!r.submission().isStarted() || r.submission().isCancelled()) {
                r.submission().cancel();
                it.remove();
                n++;
            }
        }
        rt.dispatcher().drain().handedBack(n);
    }

    private void complete(Finished f) {
        Completion c = f.completion();
        Running done = running.remove(c.execution().entryId());
        if (done == null) {
            return;
        }
        rt.dispatcher().drain().settled(1);
        InFlightEntry entry = done.entry();
        Routed routed = f.routed() == null ? rt.router().route(c, entry)
                : f.routed().withTimestamp(rt.clock().millis());
        forward(routed, c.execution().task().type(), entry);
        inflight.delete(c.execution().entryId());
    }

    private void deadLetter(InFlightEntry entry, DeadLetterReason reason, String errorClass, String message) {
        Routed routed = rt.router().deadLetter(entry, reason, errorClass, message, entry.attempt(), rt.lane().name());
        forward(routed, "unknown", entry);
    }

    private void forward(Routed routed, String type, InFlightEntry entry) {
        context.forward(routed.record(), routed.child());
        String lane = rt.lane().name();
        rt.metrics().outcome(lane, type, routed.outcome());
        if (routed.outcome().equals("retried")) {
            rt.metrics().retry(lane, routed.detail());
        } else {
            if (routed.outcome().equals("dead-lettered")) {
                rt.metrics().deadLetter(lane, routed.detail());
            }
            rt.metrics().endToEnd(lane, routed.outcome(),
                    Duration.ofMillis(rt.clock().millis() - entry.firstSeenMs()));
        }
    }

    private InFlightEntry entryOf(Record<byte[], byte[]> record) {
        RecordMetadata meta = context.recordMetadata().orElse(null);
        String topic = meta == null ? rt.laneConfig().topic() : meta.topic();
        int partition = meta == null ? -1 : meta.partition();
        long offset = meta == null ? -1 : meta.offset();
        Headers headers = record.headers();
        int attempt = (int) Math.max(1, Math.min(Integer.MAX_VALUE, HarvestHeaders.getLong(headers, HarvestHeaders.ATTEMPT, 1)));
        Instant firstSeen = HarvestHeaders.getInstant(headers, HarvestHeaders.FIRST_SEEN);
        long firstSeenMs = firstSeen != null ? firstSeen.toEpochMilli()
                : record.timestamp() > 0 ? record.timestamp() : rt.clock().millis();
        return new InFlightEntry(record.key(), record.value(), headers, topic, partition, offset, record.timestamp(),
                attempt, firstSeenMs);
    }

    private static boolean isReplayFree(Headers headers) {
        return headers.lastHeader(HarvestHeaders.REPLAY) == null;
    }

    private static String keyText(byte[] key) {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    /** A completion, with its record already built when it is a result. */
    private record Finished(Completion completion, Routed routed) {
    }

    /** An attempt handed to the dispatcher: its stored record and the handle to cancel it. */
    private record Running(InFlightEntry entry, Submission submission) {
    }

    /**
     * The partition was revoked or the app is closing: attempts still running are cancelled and their leases
     * given back at once. Their entries stay in the in-flight store, so the next owner runs them again.
     */
    @Override
    public void close() {
        open = false;
        running.values().forEach(r -> r.submission().cancel());
        rt.dispatcher().drain().settled(running.size());
        running.clear();
        completions.clear();
    }
}
