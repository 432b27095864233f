package dev.harvest.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.task.Task;
import dev.harvest.testkit.MutableClock;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The dedupe window on a real (RocksDB) window store: a key is dropped within the window after its first sighting
 * and taken again after it, and keys older than the window leave the disk by whole segments.
 */
class DeduplicatorTest {

    private static final Duration WINDOW = Duration.ofMinutes(10);
    private static final String STORE = "dedupe-keys";

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    @TempDir
    Path stateDir;
    private TopologyTestDriver driver;
    private TestInputTopic<String, String> tasks;
    private TestOutputTopic<String, String> kept;

    @AfterEach
    void tearDown() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void shouldDropARepeatedKeyWithinTheWindow() {
        start(WINDOW);
        send("a", "k1");
        send("b", "k1");
        send("c", "k2");
        clock.advance(WINDOW.minusMillis(1));
        send("d", "k1");
        send("e", "k2");
        assertThat(kept()).containsExactly("a", "c");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3})
    void shouldDropARepeatedKeyWithinTheWindowAcrossTheStartOfAStretch(int partition) {
        start(WINDOW, partition);
        // Keys are kept by window-long stretches of the clock, each partition's at an offset of its own: the first
        // sighting is a millisecond before the partition's next stretch starts, the second in that stretch.
        long w = WINDOW.toMillis();
        long now = clock.millis();
        long next = Deduplicator.stretchStart(now, w, Deduplicator.offset(partition, w)) + w;
        clock.advance(Duration.ofMillis(next - now - 1));
        send("a", "k1");
        clock.advance(WINDOW.minusMillis(1));
        send("b", "k1");
        clock.advance(Duration.ofMillis(1));
        send("c", "k1");
        assertThat(kept()).containsExactly("a", "c");
    }

    @Test
    void shouldStartThePartitionsStretchesAtOffsetsSpreadOverTheWindow() {
        long w = WINDOW.toMillis();
        List<Long> offsets = IntStream.range(0, 12).mapToObj(p -> Deduplicator.offset(p, w)).sorted().toList();
        assertThat(offsets).doesNotHaveDuplicates().allSatisfy(o -> assertThat(o).isBetween(0L, w - 1));
        for (int i = 1; i < offsets.size(); i++) {
            assertThat(offsets.get(i) - offsets.get(i - 1)).as("gap after %d", offsets.get(i - 1))
                    .isGreaterThanOrEqualTo(w / 40);
        }
        assertThat(Deduplicator.stretchStart(w + 5, w, 10)).isEqualTo(10);
        assertThat(Deduplicator.stretchStart(w + 10, w, 10)).isEqualTo(w + 10);
        assertThat(Deduplicator.stretchStart(3, w, 10)).isEqualTo(10 - w);
    }

    @Test
    void shouldTakeAKeyAgainOnceTheWindowHasPassedAndStartANewWindowThere() {
        start(WINDOW);
        send("a", "k1");
        clock.advance(WINDOW);
        send("b", "k1");
        clock.advance(WINDOW.minusMillis(1));
        send("c", "k1");
        clock.advance(Duration.ofMillis(1));
        send("d", "k1");
        assertThat(kept()).containsExactly("a", "b", "d");
    }

    @Test
    void shouldKeepEveryTaskWithoutAKeyOrWithAWindowOfZero() {
        start(Duration.ZERO);
        send("a", "k1");
        send("b", "k1");
        send("c", null);
        send("d", "");
        send("e", "");
        assertThat(kept()).containsExactly("a", "b", "c", "d", "e");
    }

    @Test
    void shouldKeepTasksWithoutAKeyWithinTheWindow() {
        start(WINDOW);
        send("a", null);
        send("b", null);
        send("c", "");
        send("d", "");
        assertThat(kept()).containsExactly("a", "b", "c", "d");
    }

    @Test
    void shouldLetKeysOlderThanTheWindowLeaveTheDiskByWholeSegments() throws Exception {
        start(WINDOW, 1);
        // Ten windows of keys, a thousand a minute: the store keeps only what a lookup can still find.
        for (int minute = 0; minute < 100; minute++) {
            for (int i = 0; i < 1_000; i++) {
                send("t" + minute + "-" + i, "m" + minute + "-" + i);
            }
            clock.advance(Duration.ofMinutes(1));
        }
        assertThat(kept()).hasSize(100_000);
        // A segment for the keys of the stretch under way, and one for those of the stretch before it.
        assertThat(segmentsOnDisk()).as("segments of the store on disk").isBetween(1L, 2L);
        // Keys seen within the window are still found, older ones are not.
        send("again-recent", "m95-7");
        send("again-edge", "m91-7");
        send("again-old", "m90-7");
        send("again-older", "m80-7");
        assertThat(kept()).containsExactly("again-old", "again-older");
    }

    private void start(Duration window) {
        start(window, 0);
    }

    private void start(Duration window, int partition) {
        Deduplicator dedupe = new Deduplicator(window, clock);
        Topology topology = new Topology();
        topology.addSource("tasks", new StringDeserializer(), new StringDeserializer(), "tasks");
        topology.addProcessor("dedupe", () -> new Processor<String, String, String, String>() {
            private ProcessorContext<String, String> context;

            @Override
            public void init(ProcessorContext<String, String> ctx) {
                this.context = ctx;
                dedupe.init(ctx.getStateStore(STORE), partition);
            }

            @Override
            public void process(Record<String, String> task) {
                if (!dedupe.isDuplicate(new Task(task.key(), "work", "{}", task.value(), null))) {
                    context.forward(task);
                }
            }
        }, "tasks");
        topology.addStateStore(Deduplicator.storeBuilder(STORE, window), "dedupe");
        topology.addSink("kept", "kept", new StringSerializer(), new StringSerializer(), "dedupe");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "dedupe-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(topology, props);
        tasks = driver.createInputTopic("tasks", new StringSerializer(), new StringSerializer());
        kept = driver.createOutputTopic("kept", new StringDeserializer(), new StringDeserializer());
    }

    private void send(String id, String idempotencyKey) {
        tasks.pipeInput(id, idempotencyKey);
    }

    private List<String> kept() {
        return kept.readRecordsToList().stream().map(TestRecord::key).toList();
    }

    /** The store's segments: one directory each under the store's directory of the task. */
    private long segmentsOnDisk() throws Exception {
        try (Stream<Path> stores = Files.walk(stateDir)) {
            Path store = stores.filter(p -> p.getFileName().toString().equals(STORE) && Files.isDirectory(p))
                    .findFirst().orElseThrow();
            File[] segments = store.toFile().listFiles(File::isDirectory);
            return segments == null ? 0 : segments.length;
        }
    }
}
