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

    /** True when the task is a duplicate; otherwise remembers it. */
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
        return false;
    }

    void purge() {
        long cutoff = clock.millis() - window.toMillis();
        List<String> old = new ArrayList<>();
        try (KeyValueIterator<String, Long> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, Long> kv = it.next();
                if (kv.value == null || kv.value < cutoff) {
                    old.add(kv.key);
                }
            }
        }
        old.forEach(store::delete);
    }
}
