package dev.harvest.topology;

import dev.harvest.task.Task;
import java.time.Clock;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Drops a task whose {@code idempotencyKey} this partition saw within the dedupe window.
 *
 * <p>Keys live in a changelogged window store, each with the wall-clock time it was first seen, put at the start of
 * its stretch: the window-long stretch of the clock it fell in. A key seen within the window is in the current
 * stretch or the one before, so a lookup is two point reads (which RocksDB's Bloom filters answer cheaply for a key
 * it does not hold, as most are), not a range scan. The store keeps a stretch until the next one has ended, and drops
 * it as a whole: keys age out without a scan of the store, without a delete (or a changelog tombstone) per key and
 * without a punctuator, so nothing holds up the stream thread however many keys the window holds, and an idle lane
 * does not commit to trim it. The disk holds between one and two windows of keys.
 *
 * <p>Dropping a stretch closes and deletes a RocksDB instance and opening the next one creates one, on the stream
 * thread. So that the partitions of a thread do not all do it at the same moment, each partition's stretches start
 * at an offset of its own on the clock.
 */
final class Deduplicator {

    private final long windowMs;
    private final Clock clock;
    private WindowStore<String, Long> store;
    private long offsetMs;

    Deduplicator(Duration window, Clock clock) {
        this.windowMs = window.toMillis();
        this.clock = clock;
    }

    /**
     * The store of a lane with this dedupe {@code window}: a window store whose retention is the window and a
     * millisecond, so that the stretch before the current one is kept while the current one lasts.
     */
    static StoreBuilder<WindowStore<String, Long>> storeBuilder(String name, Duration window) {
        Duration retention = window.plusMillis(1);
        return Stores.windowStoreBuilder(Stores.persistentWindowStore(name, retention, retention, false),
                Serdes.String(), Serdes.Long());
    }

    /** Starts on {@code partition}'s store. */
    void init(WindowStore<String, Long> store, int partition) {
        this.store = store;
        this.offsetMs = windowMs == 0 ? 0 : offset(partition, windowMs);
    }

    /**
     * Where the stretches of {@code partition} start within a window: partitions 0, 1, 2, ... at 0, 0.618, 0.236,
     * ... of it (multiples of the golden ratio, less whole windows), so that any number of them are spread out.
     */
    static long offset(int partition, long windowMs) {
        double phase = partition * 0.6180339887498949 % 1.0;
        return Math.min(windowMs - 1, (long) (phase * windowMs));
    }

    /** The start of the stretch of {@code windowMs} that {@code nowMs} falls in, for stretches starting at offset. */
    static long stretchStart(long nowMs, long windowMs, long offsetMs) {
        return Math.floorDiv(nowMs - offsetMs, windowMs) * windowMs + offsetMs;
    }

    /** True when the task is a duplicate; otherwise remembers it (a task with a key, and a window above zero). */
    boolean isDuplicate(Task task) {
        String key = task.idempotencyKey();
        if (key == null || key.isEmpty() || windowMs == 0) {
            return false;
        }
        long now = clock.millis();
        long stretch = stretchStart(now, windowMs, offsetMs);
        for (long start = stretch; start >= stretch - windowMs; start -= windowMs) {
            Long seen = store.fetch(key, start);
            if (seen != null && now - seen < windowMs) {
                return true;
            }
        }
        store.put(key, now, stretch);
        return false;
    }
}
