package dev.harvest.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;

import dev.harvest.config.LaneConfig;
import dev.harvest.config.PipelineConfig;
import dev.harvest.execution.DispatchMetrics;
import dev.harvest.execution.HandlerBinding;
import dev.harvest.execution.TaskDispatcher;
import dev.harvest.execution.TaskHandler;
import dev.harvest.lease.ConfigSecretResolver;
import dev.harvest.lease.IdempotencyLedger;
import dev.harvest.lease.local.InJvmAdmissionControl;
import dev.harvest.retry.RetryPolicy;
import dev.harvest.task.DeadLetterReason;
import dev.harvest.task.Lane;
import dev.harvest.task.TaskOutcome;
import dev.harvest.testkit.TestPipelines;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The lane topology on TopologyTestDriver with in-memory handlers: routing, validation, de-duplication. */
class LaneTopologyTest {

    private static final String HANDLERS = """
              ok:    { kind: simulated, latency: 0ms }
              flaky: { kind: simulated, latency: 0ms }
              bad:   { kind: simulated, latency: 0ms }
            """;

    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    private PipelineConfig config;
    private TopologyTestDriver driver;
    private TaskDispatcher dispatcher;
    private TestInputTopic<byte[], byte[]> input;
    private TestOutputTopic<byte[], byte[]> results;
    private TestOutputTopic<byte[], byte[]> dlq;
    private TestOutputTopic<byte[], byte[]> retry0;
    /** The calls of the "held" handler, completed by the test. */
    private final List<CompletableFuture<TaskOutcome>> held = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Task ids whose "ok" handler was called. */
    private final List<String> called = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        start(IdempotencyLedger.none(), ReplayHorizon.NONE);
    }

    /** Starts the lane with {@code ledger} and {@code horizon}; stops the one running, if any. */
    private void start(IdempotencyLedger ledger, ReplayHorizon horizon) {
        if (driver != null) {
            driver.close();
            dispatcher.close();
        }
        config = TestPipelines.twoLanes("unit", "localhost:1",
                HANDLERS + "  hang: { kind: simulated }\n  held: { kind: simulated }\n", 3, 2);
        Map<String, TaskHandler> handlers = Map.of(
                "ok", ctx -> {
                    called.add(ctx.task().id());
                    return CompletableFuture.completedFuture(new TaskOutcome.Completed("{\"done\":true}"));
                },
                "flaky", ctx -> CompletableFuture.completedFuture(
                        new TaskOutcome.RetryLater(Duration.ZERO, "http-503", "unavailable")),
                "hang", ctx -> new CompletableFuture<>(),
                "held", ctx -> {
                    CompletableFuture<TaskOutcome> call = new CompletableFuture<>();
                    held.add(call);
                    return call;
                },
                "bad", ctx -> CompletableFuture.completedFuture(
                        new TaskOutcome.DeadLetter(DeadLetterReason.PERMANENT_FAILURE, "http-400", "bad request")));
        Map<String, HandlerBinding> bindings = new java.util.HashMap<>();
        handlers.forEach((type, h) -> bindings.put(type, new HandlerBinding(h, null, null, Duration.ofSeconds(5))));
        InJvmAdmissionControl admission = new InJvmAdmissionControl(config.keyPools(), config.permits(),
                config.lanes(), scheduler, Clock.systemUTC());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        dispatcher = new TaskDispatcher(bindings, admission, new ConfigSecretResolver(config.keyPools()),
                Duration.ofSeconds(5), Clock.systemUTC(), Executors.newFixedThreadPool(2), new DispatchMetrics(registry),
                ledger);
        LaneConfig laneConfig = config.lanes().get(0);
        Lane lane = new Lane("high", 0);
        dispatcher.registerLane(lane, laneConfig.maxInFlight());
        OutcomeRouter router = new OutcomeRouter(config,
                new RetryPolicy(config.retry(), config.retryTopics(), new SplittableRandom(1)), Clock.systemUTC());
        LaneRuntime rt = new LaneRuntime(config, laneConfig, lane, dispatcher, router, new LaneMetrics(registry),
                Clock.systemUTC(), Duration.ofMillis(10), Duration.ofSeconds(1), horizon);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "lane-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:1");
        // The wall clock starts at zero, so that where the drain's stretched firings fall is known.
        driver = new TopologyTestDriver(TopologyFactory.lane(config, laneConfig, lc -> new LaneProcessor(rt)), props,
                Instant.EPOCH);
        input = driver.createInputTopic(laneConfig.topic(), new ByteArraySerializer(), new ByteArraySerializer());
        results = driver.createOutputTopic(config.resultsTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        dlq = driver.createOutputTopic(config.deadLetterTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        retry0 = driver.createOutputTopic(config.retryTopics().get(0), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
        dispatcher.close();
        scheduler.shutdownNow();
    }

    @Test
    void shouldPublishResultWhenHandlerCompletes() {
        send("t1", "{\"id\":\"t1\",\"type\":\"ok\",\"payload\":{\"a\":1}}");
        List<TestRecord<byte[], byte[]>> out = drainUntil(results, 1);
        String value = text(out.get(0).value());
        assertThat(value).contains("\"id\":\"t1\"", "\"status\":\"completed\"", "\"lane\":\"high\"",
                "\"result\":{\"done\":true}", "\"attempts\":1");
        assertThat(text(out.get(0).key())).isEqualTo("t1");
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void shouldSendToFirstRetryTierWithHeadersWhenHandlerAsksToRetry() {
        send("t2", "{\"id\":\"t2\",\"type\":\"flaky\"}");
        TestRecord<byte[], byte[]> retried = drainUntil(retry0, 1).get(0);
        assertThat(text(retried.value())).isEqualTo("{\"id\":\"t2\",\"type\":\"flaky\"}");
        assertThat(header(retried, HarvestHeaders.ATTEMPT)).isEqualTo("2");
        assertThat(header(retried, HarvestHeaders.LANE)).isEqualTo("high");
        assertThat(header(retried, HarvestHeaders.DUE_AT)).isNotBlank();
        assertThat(header(retried, HarvestHeaders.FIRST_SEEN)).isNotBlank();
    }

    @Test
    void shouldDeadLetterWithMaxAttemptsWhenLastAttemptFails() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(HarvestHeaders.ATTEMPT, "3".getBytes(StandardCharsets.UTF_8));
        input.pipeInput(new TestRecord<>(bytes("t3"), bytes("{\"id\":\"t3\",\"type\":\"flaky\"}"), headers));
        TestRecord<byte[], byte[]> dead = drainUntil(dlq, 1).get(0);
        assertThat(header(dead, HarvestHeaders.DLQ_REASON)).isEqualTo("max-attempts");
        assertThat(header(dead, HarvestHeaders.ATTEMPTS)).isEqualTo("3");
        assertThat(retry0.isEmpty()).isTrue();
    }

    @Test
    void shouldDeadLetterPermanentFailureWithOriginalBytes() {
        String original = "{\"id\":\"t4\",\"type\":\"bad\"}";
        send("t4", original);
        TestRecord<byte[], byte[]> dead = drainUntil(dlq, 1).get(0);
        assertThat(text(dead.value())).isEqualTo(original);
        assertThat(header(dead, HarvestHeaders.DLQ_REASON)).isEqualTo("permanent-failure");
        assertThat(header(dead, HarvestHeaders.ERROR_CLASS)).isEqualTo("http-400");
        assertThat(header(dead, HarvestHeaders.ORIGIN_TOPIC)).isEqualTo(config.lanes().get(0).topic());
        assertThat(header(dead, HarvestHeaders.CONNECT_OFFSET)).isEqualTo("0");
    }

    @Test
    void shouldDeadLetterBadInputWithItsReason() {
        send("m1", "{not json");
        send("m2", "{\"id\":\"m2\"}");
        send("u1", "{\"id\":\"u1\",\"type\":\"nobody-handles-this\"}");
        send("e1", "{\"id\":\"e1\",\"type\":\"ok\",\"deadline\":\"2001-01-01T00:00:00Z\"}");
        send("o1", "{\"id\":\"o1\",\"type\":\"ok\",\"payload\":\"" + "x".repeat(5000) + "\"}");
        input.pipeInput(new TestRecord<>(bytes("n1"), new byte[] {(byte) 0xC3, (byte) 0x28, '{'}));
        List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();
        assertThat(dead).extracting(r -> text(r.key()) + "=" + header(r, HarvestHeaders.DLQ_REASON))
                .containsExactly("m1=malformed", "m2=malformed", "u1=unknown-type", "e1=expired", "o1=oversized",
                        "n1=malformed");
        assertThat(results.isEmpty()).isTrue();
    }

    @Test
    void shouldDropDuplicateIdempotencyKeyWithinWindow() {
        send("d1", "{\"id\":\"d1\",\"type\":\"ok\",\"idempotencyKey\":\"same\"}");
        send("d2", "{\"id\":\"d2\",\"type\":\"ok\",\"idempotencyKey\":\"same\"}");
        send("d3", "{\"id\":\"d3\",\"type\":\"ok\",\"idempotencyKey\":\"other\"}");
        List<TestRecord<byte[], byte[]>> out = drainUntil(results, 2);
        driver.advanceWallClockTime(Duration.ofMillis(50));
        out.addAll(results.readRecordsToList());
        assertThat(out).extracting(r -> text(r.key())).containsExactlyInAnyOrder("d1", "d3");
    }

    @Test
    void shouldKeepTaskInFlightStoreUntilItCompletes() {
        send("s1", "{\"id\":\"s1\",\"type\":\"ok\"}");
        drainUntil(results, 1);
        assertThat(driver.<String, byte[]>getKeyValueStore(LaneProcessor.INFLIGHT_STORE).approximateNumEntries())
                .isZero();
    }

    @Test
    void shouldWaitOnlyBoundedTimeWhenLaneIsFull() {
        // maxInFlight is 2 and the handler never answers: the third record waits at most maxBlock (1 s),
        // then processing goes on; all three stay recorded in the in-flight store.
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            send("h1", "{\"id\":\"h1\",\"type\":\"hang\"}");
            send("h2", "{\"id\":\"h2\",\"type\":\"hang\"}");
            send("h3", "{\"id\":\"h3\",\"type\":\"hang\"}");
        });
        assertThat(driver.<String, byte[]>getKeyValueStore(LaneProcessor.INFLIGHT_STORE).approximateNumEntries())
                .isEqualTo(3);
        assertThat(dispatcher.gate("high").running()).as("never more than maxInFlight running").isEqualTo(2);
        assertThat(dispatcher.gate("high").queued()).isEqualTo(1);
    }

    @Test
    void shouldRouteACallThatEndsAfterALongWaitWithinATenthOfIt() {
        startHeldCall("l1");
        advanceWallClock(Duration.ofSeconds(10)); // the call running: the drain's interval stretches
        endHeldCall(0);

        long waitedMs = 0;
        while (results.isEmpty() && waitedMs < 2_000) {
            driver.advanceWallClockTime(Duration.ofMillis(20));
            waitedMs += 20;
        }
        assertThat(results.readRecordsToList()).extracting(r -> text(r.key())).containsExactly("l1");
        // Quiet for 10 s, the drain fires at multiples of 640 ms on the clock: the next is at 10,240 ms.
        assertThat(waitedMs).as("routed at the stretched firing, not the next base one").isEqualTo(240);

        // Back to the base interval (10 ms here) once a call ended: the next one is routed at the next firing.
        startHeldCall("l2");
        endHeldCall(1);
        driver.advanceWallClockTime(Duration.ofMillis(20));
        assertThat(results.readRecordsToList()).extracting(r -> text(r.key())).containsExactly("l2");
    }

    @Test
    void shouldRouteAtTheBaseIntervalOnceStopping() {
        startHeldCall("l1");
        advanceWallClock(Duration.ofSeconds(10));
        dispatcher.drain().begin();
        driver.advanceWallClockTime(Duration.ofMillis(640)); // the stretched firing sees the stop
        endHeldCall(0);
        driver.advanceWallClockTime(Duration.ofMillis(20));
        assertThat(results.readRecordsToList()).as("routed at the next base firing")
                .extracting(r -> text(r.key())).containsExactly("l1");
    }

    /** Sends a task of the "held" handler and waits until its call has started. */
    private void startHeldCall(String id) {
        int before = held.size();
        send(id, "{\"id\":\"" + id + "\",\"type\":\"held\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == before + 1);
    }

    /** Ends the n-th held call and waits until it has left the lane's gate (its completion is queued). */
    private void endHeldCall(int n) {
        held.get(n).complete(new TaskOutcome.Completed("{}"));
        await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.gate("high").running() == 0);
    }

    /** Moves the wall clock on in 20 ms steps, as a stream thread's loop would, firing what falls due. */
    private void advanceWallClock(Duration total) {
        for (long ms = 0; ms < total.toMillis(); ms += 20) {
            driver.advanceWallClockTime(Duration.ofMillis(20));
        }
    }

    // ------------------------------------------------- which records are looked up in the idempotency ledger

    @Test
    void shouldLookUpOnlyRecordsBelowTheEndOffsetAtTakeOverAndRetries() {
        List<TopicPartition> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountingLedger ledger = new CountingLedger();
        ledger.recorded.put("old", "{\"recorded\":true}");
        ledger.recorded.put("sent-again", "{\"recorded\":true}");
        start(ledger, partition -> {
            asked.add(partition);
            return CompletableFuture.completedFuture(2L);
        });

        sendOk("old", null);            // offset 0: written before the take-over, an earlier owner may have run it
        sendOk("fresh-below", null);    // offset 1
        sendOk("new", null);            // offset 2: written after it
        sendOk("sent-again", null);     // offset 3: a new record, even of a task id the ledger knows
        sendOk("retry", "2");           // offset 4: a retry, whose earlier attempt ran

        List<TestRecord<byte[], byte[]>> out = drainUntil(results, 5);
        assertThat(asked).containsExactly(new TopicPartition(config.lanes().get(0).topic(), 0));
        assertThat(ledger.lookedUp).containsExactlyInAnyOrder("old", "fresh-below", "retry");
        assertThat(called).containsExactlyInAnyOrder("fresh-below", "new", "sent-again", "retry");
        assertThat(out).extracting(r -> text(r.value())).filteredOn(v -> v.contains("\"id\":\"old\""))
                .singleElement().asString().contains("\"recorded\":true");
    }

    @Test
    void shouldLookUpEveryRecordWhileTheEndOffsetIsNotKnown() {
        CountingLedger ledger = new CountingLedger();
        CompletableFuture<Long> endOffset = new CompletableFuture<>();
        start(ledger, partition -> endOffset);

        sendOk("a", null);
        sendOk("b", null);
        drainUntil(results, 2);
        assertThat(ledger.lookedUp).containsExactlyInAnyOrder("a", "b");

        endOffset.complete(1L);
        sendOk("c", null);
        drainUntil(results, 1);
        assertThat(ledger.lookedUp).as("c is past the end offset at take-over").containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void shouldLookUpEveryRecordWhenTheEndOffsetCannotBeHad() {
        CountingLedger ledger = new CountingLedger();
        start(ledger, partition -> CompletableFuture.failedFuture(new IllegalStateException("no broker")));

        sendOk("a", null);
        sendOk("b", null);
        drainUntil(results, 2);

        assertThat(ledger.lookedUp).containsExactlyInAnyOrder("a", "b");
        assertThat(called).containsExactlyInAnyOrder("a", "b");
    }

    /** A ledger that knows what the test puts in {@code recorded} and notes each task it is asked about. */
    private static final class CountingLedger implements IdempotencyLedger {
        final java.util.Set<String> lookedUp = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final Map<String, String> recorded = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public java.util.concurrent.CompletionStage<java.util.Optional<String>> recorded(String taskId) {
            lookedUp.add(taskId);
            return CompletableFuture.completedFuture(java.util.Optional.ofNullable(recorded.get(taskId)));
        }

        @Override
        public java.util.concurrent.CompletionStage<Void> record(String taskId, String resultJson) {
            return CompletableFuture.completedFuture(null);
        }
    }

    /** Sends an "ok" task of id {@code id}, with an attempt header when {@code attempt} is given. */
    private void sendOk(String id, String attempt) {
        RecordHeaders headers = new RecordHeaders();
        if (attempt != null) {
            headers.add(HarvestHeaders.ATTEMPT, attempt.getBytes(StandardCharsets.UTF_8));
        }
        input.pipeInput(new TestRecord<>(bytes(id), bytes("{\"id\":\"" + id + "\",\"type\":\"ok\"}"), headers));
    }

    private List<TestRecord<byte[], byte[]>> drainUntil(TestOutputTopic<byte[], byte[]> topic, int n) {
        List<TestRecord<byte[], byte[]>> got = new java.util.ArrayList<>();
        await().alias("completions routed by the wall-clock punctuator").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20)).until(() -> {
                    driver.advanceWallClockTime(Duration.ofMillis(20));
                    got.addAll(topic.readRecordsToList());
                    return got.size() >= n;
                });
        return got;
    }

    private void send(String key, String value) {
        input.pipeInput(bytes(key), bytes(value));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static String header(TestRecord<byte[], byte[]> r, String name) {
        return r.headers().lastHeader(name) == null ? null : text(r.headers().lastHeader(name).value());
    }
}
