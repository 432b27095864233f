package dev.harvest.topology;

import dev.harvest.task.Task;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Drops a task whose {@code idempotencyKey} this partition saw within the dedupe window. Keys live in a
 * changelogged store (key → first-seen millis) that a wall-clock punctuator trims while it holds any (a
 * punctuation makes Kafka Streams commit, so it does not run on an empty store).
 */
final class Deduplicator {

    private final Duration window;
    private final Clock clock;
    private KeyValueStore<String, Long> store;
    private OnDemandPunctuator purger;

    Deduplicator(Duration window, Clock clock) {
        this.window = window;
        this.clock = clock;
    }

    void init(KeyValueStore<String, Long> store, ProcessorContext<?, ?> context) {
        this.store = store;
        long purgeMs = Math.max(1_000L, Math.min(60_000L, window.toMillis() / 4));
        this.purger = new OnDemandPunctuator(context, Duration.ofMillis(purgeMs), this::purge);
        purger.ensure(); // keys restored from the changelog age out too
    }

    /** True when the task is a duplicate; otherwise remembers it (a task with a key, and a window above zero). */
    boolean isDuplicate(Task task) {
        String key = task.idempotencyKey();
        if (key == null || key.isEmpty() || window.isZero()) {
            return false;
        }
        long now = clock.millis();
        Long seen = store.get(key);
        if (seen != null && now - seen < window.toMillis()) {
            return true;
        }
        store.put(key, now);
        purger.ensure();
        return false;
    }

    /** Forgets keys older than the window; returns whether any key is left. */
    private boolean purge() {
        long cutoff = clock.millis() - window.toMillis();
        List<String> old = new ArrayList<>();
        boolean kept = false;
        try (KeyValueIterator<String, Long> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, Long> kv = it.next();
                if (kv.value == null || kv.value < cutoff) {
                    old.add(kv.key);
                } else {
                    kept = true;
                }
            }
        }
        old.forEach(store::delete);
        return kept;
    }
}
