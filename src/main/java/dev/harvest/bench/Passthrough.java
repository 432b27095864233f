package dev.harvest.bench;

import dev.harvest.app.KafkaClientProperties;
import dev.harvest.app.TopicAdmin;
import dev.harvest.lease.IdempotencyLedger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.Stores;

/** The baseline: a plain Kafka Streams source → sink on the same broker, partitions and guarantee. */
final class Passthrough {

    private final BenchStack stack;
    private final String name;
    private final BenchOptions o;
    private final Path stateDir;
    private final Consumer<String> log;

    /** @param name starts the names of the pass-throughs' topics and apps */
    Passthrough(BenchStack stack, String name, BenchOptions o, Path stateDir, Consumer<String> log) {
        this.stack = stack;
        this.name = name;
        this.o = o;
        this.stateDir = stateDir;
        this.log = log;
    }

    /** Source → sink: {@code repeats} backlogs drained after the warm-up (and until the compilers settle). */
    Backlogs plain() {
        return measure(name, topology -> "in");
    }

    /**
     * Records per second of source → store put → store delete → sink, the store persistent and changelogged: the
     * Kafka side of a task in a lane (in-flight entry written when it starts and deleted when it ends, result
     * written), with no parsing, admission or handler. What the pipeline can at best reach on this machine.
     */
    Backlogs withStore() {
        return measure(name + "-store", topology -> {
            topology.addProcessor("store", StorePutDelete::new, "in");
            topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StorePutDelete.STORE),
                    Serdes.String(), Serdes.ByteArray()), "store");
            return "store";
        });
    }

    /**
     * Records per second of source → sink where each record is written as the pipeline's result ({@code sample}:
     * its value and headers), and with a {@code ledger} also recorded in it as a completed task: the Kafka (and
     * Redis) side of the records the pipeline must write for a task, with no parsing, admission or handler.
     *
     * @param ledger null for none
     */
    Backlogs asResults(String suffix, ResultSample sample, IdempotencyLedger ledger) {
        return measure(name + "-" + suffix, topology -> {
            topology.addProcessor("result", () -> new AsResult(sample, ledger), "in");
            return "result";
        });
    }

    /**
     * End-to-end latencies (ms, sorted) of a pass-through offered {@code perSec} steadily, {@code count} records
     * after a quarter as many to warm up: from each record's creation to the stream thread forwarding it, the
     * time the forwarded record carries, as the pipeline's results do. The floor under the pipeline's paced
     * latency: Kafka's path in and out under the same guarantee, with no handler between.
     */
    Paced paced(double perSec, int count) {
        return paced("paced", perSec, count, Restamp::new, "passthroughPaced");
    }

    /**
     * As {@link #paced}, each record forwarded as the pipeline's result ({@code sample}) once it has held one of
     * {@code permits} for {@code delayMs} ({@link DelayedResult}): the floor under the pipeline's paced latency with
     * a handler of that latency, what Kafka Streams and the permits themselves add to such a call at that rate.
     *
     * @param permits {@link Integer#MAX_VALUE} for as many as the records need
     * @param figure  starts the names of its commit figures, and ends its app's
     */
    Paced pacedDelayed(double perSec, int count, ResultSample sample, long delayMs, int permits, String figure) {
        try (DelayedResult.Timers timer = new DelayedResult.Timers()) {
            FifoPermits held = new FifoPermits(permits);
            return paced(figure, perSec, count, () -> new DelayedResult(sample, timer, delayMs, held), figure);
        }
    }

    /** @param commits starts the names of the commit figures */
    private Paced paced(String suffix, double perSec, int count,
                        ProcessorSupplier<byte[], byte[], byte[], byte[]> between, String commits) {
        String app = name + "-" + suffix;
        String in = app + ".in";
        String out = app + ".out";
        createTopics(in, out);
        Topology topology = new Topology();
        topology.addSource("in", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), in);
        topology.addProcessor("between", between, "in");
        topology.addSink("out", out, Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), "between");
        Properties props = props(app);
        // A stream thread with nothing to read waits no longer than the lane's does while attempts run.
        props.put(StreamsConfig.POLL_MS_CONFIG, DelayedResult.DRAIN.toMillis());
        try (Closing streams = new Closing(new KafkaStreams(topology, props));
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(app));
             KafkaProducer<byte[], byte[]> producer = producer()) {
            streams.app().start();
            consumer.subscribe(List.of(out));
            int warmup = Math.max(1, count / 4);
            Offering.paced(warmup, perSec, i -> producer.send(record(in, "w-" + i)));
            producer.flush();
            drain(consumer, warmup, null, null);
            List<Long> latencies = new ArrayList<>(count);
            List<Long> read = new ArrayList<>(count);
            Commits counted = Commits.from(streams.app());
            Offering.whileReading(() -> {
                Offering.paced(count, perSec, i -> producer.send(record(in, "p-" + i)));
                producer.flush();
            }, () -> drain(consumer, count, latencies, read));
            latencies.sort(null);
            read.sort(null);
            return new Paced(latencies, read, counted.figures(commits));
        }
    }

    /** A pass-through app that leaves its consumer group when closed, so that the group can be removed at once. */
    private record Closing(KafkaStreams app) implements AutoCloseable {
        @Override
        public void close() {
            app.close(CloseOptions.timeout(Duration.ofMinutes(1))
                    .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        }
    }

    /** End-to-end latencies (ms, sorted), and the stream thread's commits meanwhile ({@link Commits}). */
    record Paced(List<Long> latencies, List<Long> read, Map<String, Object> commits) {
    }

    private void createTopics(String in, String out) {
        Optional<Short> replication = stack.kafka().topicReplication();
        try (Admin admin = Admin.create(stack.kafkaClient())) {
            admin.createTopics(List.of(new NewTopic(in, Optional.of(o.partitions()), replication),
                    new NewTopic(out, Optional.of(o.partitions()), replication))).all().get(30, TimeUnit.SECONDS);
            TopicAdmin.awaitWritable(admin, List.of(in, out));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating pass-through topics", e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create pass-through topics", e);
        }
    }

    /**
     * @param between adds what runs between the source {@code in} and the sink to the topology; returns the name of
     *                the sink's parent
     */
    private Backlogs measure(String app, Function<Topology, String> between) {
        String in = app + ".in";
        String out = app + ".out";
        createTopics(in, out);
        Topology topology = new Topology();
        topology.addSource("in", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), in);
        String parent = between.apply(topology);
        topology.addSink("out", out, Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), parent);
        try (Closing closing = new Closing(new KafkaStreams(topology, props(app)));
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(app))) {
            KafkaStreams streams = closing.app();
            streams.start();
            consumer.subscribe(List.of(out));
            send(in, o.warmup());
            drain(consumer, o.warmup(), null, null);
            int size = backlog(o);
            Warmup.untilSettled(stack, o.settle(), app, log, i -> {
                send(in, size);
                drain(consumer, size, null, null);
            });
            return Backlogs.drain(stack, o.repeats(), size, i -> {
                streams.pause();
                send(in, size);
            }, streams::resume, i -> drain(consumer, size, null, null));
        }
    }

    /**
     * Records in each of the pass-throughs' backlogs: {@value #BACKLOG_SCALE} times the pipeline's tasks. They drain
     * several times faster than the pipeline; a backlog of the same size would be gone in a fraction of a second,
     * most of it the fixed time to resume, fetch and (exactly-once) commit before the reader sees the last record.
     */
    static int backlog(BenchOptions o) {
        return o.tasks() * BACKLOG_SCALE;
    }

    static final int BACKLOG_SCALE = 5;

    private Properties props(String app) {
        Properties p = stack.kafkaClient();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, o.guarantee());
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(app).toString());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, stack.kafka().replicationFactor());
        // As the lane apps.
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        KafkaClientProperties.forPromptResults(p);
        return p;
    }

    private KafkaProducer<byte[], byte[]> producer() {
        Properties p = stack.kafkaClient();
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A record shaped as a task of the pipeline, keyed by its id. */
    private static ProducerRecord<byte[], byte[]> record(String topic, String id) {
        return new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8),
                ("{\"id\":\"" + id + "\",\"type\":\"work\"}").getBytes(StandardCharsets.UTF_8));
    }

    private void send(String topic, int n) {
        AtomicReference<Exception> failed = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < n; i++) {
                producer.send(record(topic, "p-" + i), (meta, e) -> {
                            if (e != null) {
                                failed.compareAndSet(null, e);
                            }
                        });
            }
            producer.flush();
        }
        if (failed.get() != null) {
            throw new IllegalStateException("pass-through input not written: " + failed.get(), failed.get());
        }
    }

    /**
     * Reads {@code n} records; with {@code latencies} and {@code read}, each one's time from creation (header) to
     * forwarding, and to the moment it was read.
     */
    private static void drain(KafkaConsumer<byte[], byte[]> consumer, int n, List<Long> latencies, List<Long> read) {
        int seen = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (seen < n && System.nanoTime() < deadline) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(50));
            long now = System.currentTimeMillis();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                seen++;
                Header created = r.headers().lastHeader(Restamp.CREATED);
                if (latencies != null && created != null) {
                    long at = Long.parseLong(new String(created.value(), StandardCharsets.UTF_8));
                    latencies.add(r.timestamp() - at);
                    read.add(now - at);
                }
            }
        }
        if (seen < n) {
            throw new IllegalStateException("pass-through did not drain: " + seen + " of " + n + " records");
        }
    }

    private Properties consumerProps(String app) {
        Properties p = stack.kafkaClient();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, app + "-reader");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return p;
    }
}
