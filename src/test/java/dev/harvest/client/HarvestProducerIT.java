package dev.harvest.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.harvest.app.KafkaClientProperties;
import dev.harvest.app.TopicAdmin;
import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;
import dev.harvest.redis.RedisClients;
import dev.harvest.task.Task;
import dev.harvest.testkit.RedisServerExtension;
import dev.harvest.testkit.TestKafka;
import dev.harvest.testkit.TestPipelines;
import dev.harvest.topology.TaskCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Java producer against a real broker and a real Redis holding the lags the lane-lag monitor publishes. */
class HarvestProducerIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final long MAX_BACKLOG = 100;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private PipelineConfig config;
    private RedisClients redis;
    private HarvestProducer producer;

    @BeforeEach
    void setUp() {
        String name = TestPipelines.uniqueName("producer");
        config = new PipelineLoader(n -> null).parse("""
                pipeline: %1$s
                kafka: { bootstrapServers: "%2$s" }
                lanes:
                  - { name: high, topic: %1$s.tasks.high, partitions: 2, maxBacklog: %3$d }
                  - { name: low,  topic: %1$s.tasks.low,  partitions: 2 }
                handlers:
                  fetch: { kind: simulated }
                """.formatted(name, TestKafka.bootstrapServers(), MAX_BACKLOG)).withRedis(REDIS.settings());
        TopicAdmin.createAll(config);
        redis = RedisClients.connect(REDIS.settings());
        producer = HarvestProducer.create(config, Backpressure.failFast());
    }

    @AfterEach
    void tearDown() {
        producer.close();
        redis.close();
        scheduler.shutdownNow();
    }

    @Test
    void shouldRefuseAtOnceWithTheLagWhenLaneBacklogIsAboveMax() {
        publishLag("high", 500, 0);

        LaneBacklogFullException e = catchThrowableOfType(LaneBacklogFullException.class,
                () -> producer.submit(NewTask.of("fetch", "{}"), "high"));

        assertThat(e.lane()).isEqualTo("high");
        assertThat(e.lag()).isEqualTo(500);
        assertThat(e.maxBacklog()).isEqualTo(MAX_BACKLOG);
        assertThat(e).hasMessageContaining("500").hasMessageContaining("maxBacklog of 100");
        assertThat(producer.submit(NewTask.of("fetch", "{}"), "low").written())
                .as("a lane without maxBacklog takes tasks whatever its lag").succeedsWithin(Duration.ofSeconds(10));
        producer.flush();
        assertThat(read("high", 0)).as("nothing was written to the full lane").isEmpty();
    }

    @Test
    void shouldWaitAndSendOnceLagDropsWhenBlockingIsChosen() {
        publishLag("high", 500, 0);
        scheduler.schedule(() -> publishLag("high", 40, 0), 600, TimeUnit.MILLISECONDS);

        long start = System.nanoTime();
        Submitted s = producer.submit(NewTask.of("fetch", "{\"n\":1}"), "high", Backpressure.block(Duration.ofSeconds(10)));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("waited for the lag to drop")
                .isGreaterThanOrEqualTo(Duration.ofMillis(500));
        assertThat(s.written()).succeedsWithin(Duration.ofSeconds(10));
        assertThat(read("high", 1)).extracting(r -> new String(r.key())).containsExactly(s.taskId());
    }

    @Test
    void shouldGiveUpWithTheLagWhenItStaysHighForTheWholeWait() {
        publishLag("high", 700, 0);

        long start = System.nanoTime();
        LaneBacklogFullException e = catchThrowableOfType(LaneBacklogFullException.class, () -> producer.submit(
                NewTask.of("fetch", "{}"), "high", Backpressure.block(Duration.ofMillis(400))));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        assertThat(e.lag()).isEqualTo(700);
    }

    @Test
    void shouldFailOpenWhenLagIsStaleOrMissing() {
        publishLag("high", 5_000, 31_000);
        assertThat(producer.submit(NewTask.of("fetch", "{}"), "high").written()).as("lag older than 30 s")
                .succeedsWithin(Duration.ofSeconds(10));

        redis.async().del(LaneLag.key(config.pipeline())).toCompletableFuture().join();
        try (HarvestProducer fresh = HarvestProducer.create(config, Backpressure.failFast())) {
            assertThat(fresh.submit(NewTask.of("fetch", "{}"), "high").written()).as("no lag published")
                    .succeedsWithin(Duration.ofSeconds(10));
        }
    }

    @Test
    void shouldFillInIdsAndIdempotencyKeysAndWriteTasksAsTheCliDoesWhenABatchIsSubmitted() {
        List<NewTask> batch = List.of(NewTask.of("fetch", "{\"n\":1}"), NewTask.of("fetch", null).withId("given-id"),
                NewTask.of("fetch", "{\"n\":3}").withIdempotencyKey("order-3"));

        List<Submitted> sent = producer.submitBatch(batch, "high");
        producer.flush();

        assertThat(sent).hasSize(3);
        assertThat(sent.get(1).taskId()).isEqualTo("given-id");
        assertThat(sent.get(0).taskId()).hasSize(36).isNotEqualTo(sent.get(2).taskId());
        assertThat(sent).extracting(Submitted::idempotencyKey)
                .containsExactly(sent.get(0).taskId(), "given-id", "order-3");
        sent.forEach(s -> assertThat(s.written()).isCompleted());
        Map<String, Task> written = new java.util.HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : read("high", 3)) {
            TaskCodec.Parsed parsed = TaskCodec.parse(r.value(), null);
            assertThat(parsed.ok()).as(parsed.problem()).isTrue();
            assertThat(r.value()).isEqualTo(TaskCodec.encode(parsed.task()));
            written.put(new String(r.key()), parsed.task());
        }
        assertThat(written).containsOnlyKeys(sent.stream().map(Submitted::taskId).toList());
        assertThat(written.get(sent.get(2).taskId()).idempotencyKey()).isEqualTo("order-3");
        assertThat(written.get(sent.get(0).taskId()).payloadJson()).isEqualTo("{\"n\":1}");
    }

    private void publishLag(String lane, long lag, long ageMs) {
        redis.async().hset(LaneLag.key(config.pipeline()), lane, lag + "|" + (System.currentTimeMillis() - ageMs))
                .toCompletableFuture().join();
    }

    /** Every record of the lane's topic; waits until {@code expected} arrived (0: a short look). */
    private List<ConsumerRecord<byte[], byte[]>> read(String lane, int expected) {
        String topic = config.lane(lane).orElseThrow().topic();
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(KafkaClientProperties.consumer(config,
                null))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(expected == 0 ? 1 : 10).toNanos();
            while (System.nanoTime() < deadline && (expected == 0 || out.size() < expected)) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
