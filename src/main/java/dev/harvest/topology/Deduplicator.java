package dev.harvest.topology;

import dev.harvest.task.Task;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Drops a task whose {@code idempotencyKey} this partition saw within the dedupe window. Keys live in a
 * changelogged store (key → first-seen millis) that a wall-clock punctuator trims.
 */
final class Deduplicator {

    private final Duration window;
    private final Clock clock;
    private KeyValueStore<String, Long> store;

    Deduplicator(Duration window, Clock clock) {
        this.window = window;
        this.clock = clock;
    }

    void init(KeyValueStore<String, Long> store) {
        this.store = store;
    }

    Duration purgeInterval() {
        long ms = Math.max(1_000L, Math.min(60_000L, window.toMillis() / 4));
        return Duration.ofMillis(ms);
    }

    /** Whether this task's key is looked up and remembered: it has one, and the window is not zero. */
    boolean tracks(Task task) {
        String key = task.idempotencyKey();
        return key != null && !key.isEmpty() && !window.isZero();
    }

    /** True when the task is a duplicate; otherwise remembers it (when {@link #tracks tracked}). */
    boolean isDuplicate(Task task) {
        if (!tracks(task)) {
            return false;
        }
        String key = task.idempotencyKey();
        long now = clock.millis();
        Long seen = store.get(key);
        if (seen != null && now - seen < window.toMillis()) {
            return true;
        }
        store.put(key, now);
        return false;
    }

    /** Forgets keys older than the window; returns whether any key is left. */
    boolean purge() {
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
