package dev.harvest.topology;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * A key-value store that holds new entries in memory until the task commits, and writes to the store below it
 * (and so to its changelog) only the entries still there at that moment. An entry put and deleted between two
 * commits costs no store write and no changelog record at all.
 *
 * <p>This is what the in-flight store needs: most tasks finish well within a commit interval, and an entry
 * matters only to whoever restores the store after a crash, which sees what the last committed transaction
 * holds. Kafka Streams flushes store caches before it sends the offsets of a commit ({@code flushCache()} on
 * every store, then the record collector, then the transaction or offset commit), so an entry still pending at
 * a commit reaches the changelog in the same transaction as the offset of the record that created it.
 *
 * <p>{@code get}, {@code put}, {@code delete} and {@code approximateNumEntries} see pending entries; any other
 * read first writes them through.
 */
final class WriteBehindStore<K, V> extends WrappedStateStore<KeyValueStore<K, V>, K, V>
        implements KeyValueStore<K, V> {

    private final Map<K, V> pending = new HashMap<>();
    private StateStoreContext context;

    WriteBehindStore(KeyValueStore<K, V> wrapped) {
        super(wrapped);
    }

    /** Builds the store of {@code inner} (logging, caching and all) with a write-behind layer on top. */
    static <K, V> StoreBuilder<KeyValueStore<K, V>> builder(StoreBuilder<KeyValueStore<K, V>> inner) {
        return new Builder<>(inner);
    }

    @Override
    public void init(StateStoreContext ctx, StateStore root) {
        this.context = ctx;
        super.init(ctx, root);
    }

    @Override
    public void put(K key, V value) {
        if (value == null) {
            delete(key);
        } else {
            pending.put(key, value);
        }
    }

    @Override
    public V putIfAbsent(K key, V value) {
        V current = get(key);
        if (current == null) {
            put(key, value);
        }
        return current;
    }

    @Override
    public void putAll(List<KeyValue<K, V>> entries) {
        entries.forEach(kv -> put(kv.key, kv.value));
    }

    @Override
    public V delete(K key) {
        V held = pending.remove(key);
        if (held == null) {
            return wrapped().delete(key);
        }
        // The key may also have been written through before (put twice between commits, or restored).
        if (wrapped().get(key) != null) {
            wrapped().delete(key);
        }
        return held;
    }

    @Override
    public V get(K key) {
        V held = pending.get(key);
        return held != null ? held : wrapped().get(key);
    }

    @Override
    public KeyValueIterator<K, V> range(K from, K to) {
        writeThrough();
        return wrapped().range(from, to);
    }

    @Override
    public KeyValueIterator<K, V> reverseRange(K from, K to) {
        writeThrough();
        return wrapped().reverseRange(from, to);
    }

    @Override
    public KeyValueIterator<K, V> all() {
        writeThrough();
        return wrapped().all();
    }

    @Override
    public KeyValueIterator<K, V> reverseAll() {
        writeThrough();
        return wrapped().reverseAll();
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<K, V> prefixScan(P prefix, PS prefixKeySerializer) {
        writeThrough();
        return wrapped().prefixScan(prefix, prefixKeySerializer);
    }

    @Override
    public long approximateNumEntries() {
        return pending.size() + wrapped().approximateNumEntries();
    }

    /** Called by Kafka Streams before the offsets of a commit are sent: pending entries go to the store. */
    @Override
    public void flushCache() {
        writeThrough();
        super.flushCache();
    }

    @Override
    public void close() {
        // Whatever is still pending belongs to a transaction that is not committed: the records that created
        // these entries are read again by the partition's next owner.
        pending.clear();
        super.close();
    }

    /** Entries pending in memory (for tests). */
    int pendingCount() {
        return pending.size();
    }

    private void writeThrough() {
        if (pending.isEmpty()) {
            return;
        }
        InternalProcessorContext<?, ?> internal = context instanceof InternalProcessorContext<?, ?> ipc ? ipc : null;
        ProcessorRecordContext previous = internal == null ? null : internal.recordContext();
        if (internal != null && previous == null) {
            // The changelog record takes the timestamp of the current record; at a commit there may be none.
            internal.setRecordContext(new ProcessorRecordContext(System.currentTimeMillis(), -1, -1, null,
                    new RecordHeaders()));
        }
        try {
            // One batch: one RocksDB write and one metrics update for them all, then a changelog record each.
            List<KeyValue<K, V>> batch = new ArrayList<>(pending.size());
            pending.forEach((k, v) -> batch.add(KeyValue.pair(k, v)));
            wrapped().putAll(batch);
            pending.clear();
        } finally {
            if (internal != null && previous == null) {
                internal.setRecordContext(null);
            }
        }
    }

    /** The inner builder's settings and changelog, with this layer on top of what it builds. */
    private static final class Builder<K, V> implements StoreBuilder<KeyValueStore<K, V>> {
        private final StoreBuilder<KeyValueStore<K, V>> inner;

        Builder(StoreBuilder<KeyValueStore<K, V>> inner) {
            this.inner = inner;
        }

        @Override
        public StoreBuilder<KeyValueStore<K, V>> withCachingEnabled() {
            inner.withCachingEnabled();
            return this;
        }

        @Override
        public StoreBuilder<KeyValueStore<K, V>> withCachingDisabled() {
            inner.withCachingDisabled();
            return this;
        }

        @Override
        public StoreBuilder<KeyValueStore<K, V>> withLoggingEnabled(Map<String, String> config) {
            inner.withLoggingEnabled(config);
            return this;
        }

        @Override
        public StoreBuilder<KeyValueStore<K, V>> withLoggingDisabled() {
            inner.withLoggingDisabled();
            return this;
        }

        @Override
        public KeyValueStore<K, V> build() {
            return new WriteBehindStore<>(inner.build());
        }

        @Override
        public Map<String, String> logConfig() {
            return inner.logConfig();
        }

        @Override
        public boolean loggingEnabled() {
            return inner.loggingEnabled();
        }

        @Override
        public String name() {
            return inner.name();
        }
    }
}
