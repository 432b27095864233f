package dev.harvest.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WriteBehindStoreTest {

    private WriteBehindStore<String, String> store;
    private KeyValueStore<String, String> below;

    @BeforeEach
    void setUp() {
        StoreBuilder<KeyValueStore<String, String>> builder = WriteBehindStore.builder(Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("s"), Serdes.String(), Serdes.String()).withLoggingDisabled());
        assertThat(builder.name()).isEqualTo("s");
        assertThat(builder.loggingEnabled()).isFalse();
        store = (WriteBehindStore<String, String>) builder.build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
        below = store.wrapped();
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    @Test
    void shouldWriteNothingBelowForAnEntryDeletedBeforeTheCommit() {
        store.put("a", "1");
        store.put("b", "2");
        assertThat(store.get("a")).isEqualTo("1");
        assertThat(store.approximateNumEntries()).isEqualTo(2);
        assertThat(contents(below)).as("nothing written before the commit").isEmpty();

        assertThat(store.delete("a")).isEqualTo("1");
        store.flushCache();

        assertThat(contents(below)).as("only what is still there at the commit").containsExactly(KeyValue.pair("b", "2"));
        assertThat(store.pendingCount()).isZero();
    }

    @Test
    void shouldDeleteBelowAnEntryWrittenThroughAtAnEarlierCommit() {
        store.put("a", "1");
        store.flushCache();
        assertThat(store.delete("a")).isEqualTo("1");
        assertThat(contents(below)).isEmpty();
        assertThat(store.get("a")).isNull();
    }

    @Test
    void shouldDeleteBothCopiesOfAKeyWrittenAgainAfterACommit() {
        store.put("a", "old");
        store.flushCache();
        store.put("a", "new");
        assertThat(store.get("a")).isEqualTo("new");
        assertThat(store.delete("a")).isEqualTo("new");
        store.flushCache();
        assertThat(contents(below)).isEmpty();
    }

    @Test
    void shouldTreatAPutOfNullAsADelete() {
        store.put("a", "1");
        store.put("a", null);
        store.flushCache();
        assertThat(contents(below)).isEmpty();
    }

    @Test
    void shouldShowPendingEntriesToIterators() {
        store.put("a", "1");
        store.putAll(List.of(KeyValue.pair("b", "2"), KeyValue.pair("c", "3")));
        assertThat(store.putIfAbsent("a", "x")).isEqualTo("1");
        assertThat(contents(store)).containsExactly(KeyValue.pair("a", "1"), KeyValue.pair("b", "2"),
                KeyValue.pair("c", "3"));
        try (KeyValueIterator<String, String> it = store.range("b", "c")) {
            assertThat(it.hasNext()).isTrue();
            assertThat(it.next().key).isEqualTo("b");
        }
    }

    private static List<KeyValue<String, String>> contents(KeyValueStore<String, String> s) {
        List<KeyValue<String, String>> out = new ArrayList<>();
        try (KeyValueIterator<String, String> it = s.all()) {
            it.forEachRemaining(out::add);
        }
        return out;
    }
}
