package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.config.PipelineConfig;
import dev.harvest.testkit.TestKafka;
import dev.harvest.testkit.TestPipelines;
import dev.harvest.topology.HarvestHeaders;
import dev.harvest.topology.TopologyFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An idle pipeline leaves the broker alone: once every task has its outcome, no app commits. Under exactly-once
 * each commit is a transaction, and Kafka Streams commits after any punctuation, so punctuators that kept
 * firing on idle tasks made every app commit every commit interval for as long as it ran.
 */
class IdleCommitsIT {

    /** A third of the tasks fail once on purpose: the breaker is off, so they do not open it. */
    private static final String HANDLERS = """
              simulate: { kind: simulated, latency: 5ms, keyPool: pool, permits: calls, breaker: { enabled: false } }
            """;

    @TempDir
    Path stateDir;

    @Test
    void shouldStopCommittingOnceEveryTaskHasItsOutcome() throws Exception {
        // Half the tasks carry idempotency keys: remembering them schedules nothing that would keep an app committing.
        PipelineConfig config = TestPipelines.twoLanes(TestPipelines.uniqueName("idle"),
                TestKafka.bootstrapServers(), HANDLERS, 3, 64, "2s");
        TopicAdmin.createAll(config);
        int tasks = 60;
        try (HarvestApp app = HarvestApp.start(config,
                AppOptions.defaults(stateDir).withAdmission(AppOptions.AdmissionMode.LOCAL));
             TaskProducer producer = new TaskProducer(config);
             OutcomeCollector collector = new OutcomeCollector(config)) {
            for (int i = 0; i < tasks; i++) {
                // Every third task fails once (the retry app's gate holds it), every other one carries a key.
                String payload = i % 3 == 0 ? "{\"failTimes\":1}" : "{\"n\":" + i + "}";
                String key = i % 2 == 0 ? ",\"idempotencyKey\":\"k-" + i + "\"" : "";
                producer.sendJson(i % 2 == 0 ? "high" : "low",
                        "{\"id\":\"t" + i + "\",\"type\":\"simulate\",\"payload\":" + payload + key + "}");
            }
            producer.flush();
            await().alias("every task has an outcome").atMost(Duration.ofSeconds(60))
                    .until(() -> {
                        collector.poll(Duration.ofMillis(200));
                        return collector.outcomes().size() >= tasks;
                    });
            assertThat(collector.outcomes().values()).allMatch(OutcomeCollector.Outcome::completed);
            assertThat(collector.outcomes().get("t0").attempts()).as("t0 went through the retry gate").isEqualTo(2);
            Map<String, Double> busy = commits(app);
            assertThat(busy).as("commits of each app while the tasks ran").hasSize(config.lanes().size() + 1).allSatisfy((name, n) ->
                    assertThat(n).as(name).isPositive());

            // Idle: the lanes' drains and the gate stop once they have nothing left to do.
            awaitNoCommitFor3s(app, "no app commits for 3 s in a row", Duration.ofSeconds(30));

            // And it wakes up again: a new task is run and its result written.
            producer.sendJson("low", "{\"id\":\"late\",\"type\":\"simulate\",\"payload\":{\"failTimes\":1}}");
            producer.flush();
            await().alias("the late task's outcome").atMost(Duration.ofSeconds(30))
                    .until(() -> {
                        collector.poll(Duration.ofMillis(200));
                        return collector.outcomes().containsKey("late");
                    });
            assertThat(collector.outcomes().get("late").completed()).isTrue();
            assertThat(collector.outcomes().get("late").attempts()).isEqualTo(2);
        }
    }

    @Test
    void shouldCommitNothingWhileARetryWaitsForItsDueTime() throws Exception {
        PipelineConfig config = TestPipelines.twoLanes(TestPipelines.uniqueName("wait"),
                TestKafka.bootstrapServers(), HANDLERS, 3, 64, "0s");
        TopicAdmin.createAll(config);
        String retryApp = TopologyFactory.retryAppId(config);
        try (HarvestApp app = HarvestApp.start(config,
                AppOptions.defaults(stateDir).withAdmission(AppOptions.AdmissionMode.LOCAL));
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()),
                     new ByteArraySerializer(), new ByteArraySerializer());
             OutcomeCollector collector = new OutcomeCollector(config)) {
            // A retry held for 20 s, as a long delay tier or a provider's Retry-After would hold it.
            Instant due = Instant.now().plusSeconds(20);
            ProducerRecord<byte[], byte[]> retry = new ProducerRecord<>(config.retryTopics().get(0),
                    bytes("r1"), bytes("{\"id\":\"r1\",\"type\":\"simulate\",\"payload\":{}}"));
            retry.headers().add(HarvestHeaders.LANE, bytes("low"))
                    .add(HarvestHeaders.ATTEMPT, bytes("2"))
                    .add(HarvestHeaders.DUE_AT, bytes(due.toString()));
            producer.send(retry).get();
            await().alias("the retry app took the retry in").atMost(Duration.ofSeconds(15))
                    .until(() -> commits(app).get(retryApp) > 0);

            awaitNoCommitFor3s(app, "no commit for 3 s while the retry waits", Duration.ofSeconds(12));
            assertThat(Instant.now()).as("the quiet came while the retry waited").isBefore(due);

            await().alias("the retry's outcome").atMost(Duration.ofSeconds(40))
                    .until(() -> {
                        collector.poll(Duration.ofMillis(200));
                        return collector.outcomes().containsKey("r1");
                    });
            assertThat(Instant.now()).as("sent back to its lane when due, not before").isAfter(due);
            assertThat(collector.outcomes().get("r1").completed()).isTrue();
            assertThat(collector.outcomes().get("r1").attempts()).isEqualTo(2);
        }
    }

    @Test
    void shouldCommitSeldomWhileLongCallsRun() throws Exception {
        // Calls of 8 s, as a slow provider or a model's answer takes: the lane has attempts running and nothing
        // to route for all that time.
        String slow = """
                  slow: { kind: simulated, latency: 8s, keyPool: pool, permits: calls, breaker: { enabled: false } }
                """;
        PipelineConfig config = TestPipelines.twoLanes(TestPipelines.uniqueName("slow"),
                TestKafka.bootstrapServers(), slow, 3, 64, "0s");
        TopicAdmin.createAll(config);
        String lowApp = TopologyFactory.laneAppId(config, config.lane("low").orElseThrow());
        int tasks = 4; // as many as the low lane may hold of the five permits (one is kept for high)
        try (HarvestApp app = HarvestApp.start(config,
                AppOptions.defaults(stateDir).withAdmission(AppOptions.AdmissionMode.LOCAL));
             TaskProducer producer = new TaskProducer(config);
             OutcomeCollector collector = new OutcomeCollector(config)) {
            // Ready first, so that the tasks' end-to-end latency is the call and its routing.
            await().alias("the app is ready").atMost(Duration.ofSeconds(60)).until(() -> app.health().ready());
            for (int i = 0; i < tasks; i++) {
                producer.sendJson("low", "{\"id\":\"s" + i + "\",\"type\":\"slow\",\"payload\":{}}");
            }
            producer.flush();
            await().alias("every call is running").atMost(Duration.ofSeconds(30))
                    .until(() -> app.laneGate("low").running() == tasks);

            // From 3 s to 6 s into the calls. At the drain's 20 ms the app would commit at every commit interval
            // (50 ms, and the commit's own time): about 40 times. Stretched within a tenth of the quiet time, the
            // drains of both partitions fire together every 160–320 ms.
            awaitCallsRunningFor3s(app, tasks, "the calls run on for 3 s");
            double before = commits(app).get(lowApp);
            awaitCallsRunningFor3s(app, tasks, "the calls ran through the measurement");
            double during = commits(app).get(lowApp) - before;
            assertThat(during).as("the lane app's commits in 3 s of waiting for its calls").isLessThanOrEqualTo(20);

            await().alias("the slow tasks' outcomes").atMost(Duration.ofSeconds(30))
                    .until(() -> {
                        collector.poll(Duration.ofMillis(200));
                        return collector.outcomes().size() >= tasks;
                    });
            assertThat(collector.outcomes().values()).allSatisfy(o -> {
                assertThat(o.completed()).isTrue();
                // Routed at most the longest stretched interval (640 ms) after the call ends, plus room for a busy
                // machine.
                assertThat(o.latencyMs()).as(o.key()).isBetween(8_000L, 8_000L + 640 + 1_500);
            });
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Waits 3 s in which all {@code tasks} calls of the low lane stay running (fails if one ends). */
    private static void awaitCallsRunningFor3s(HarvestApp app, int tasks, String alias) {
        await().alias(alias).during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4))
                .pollInterval(Duration.ofMillis(100)).until(() -> app.laneGate("low").running() == tasks);
    }

    /** Waits, for at most {@code atMost}, until no app of {@code app} has committed for 3 s in a row. */
    private static void awaitNoCommitFor3s(HarvestApp app, String alias, Duration atMost) {
        Map<String, Double> last = new HashMap<>(commits(app));
        await().alias(alias).atMost(atMost).pollInterval(Duration.ofMillis(100)).during(Duration.ofSeconds(3))
                .until(() -> {
                    Map<String, Double> now = commits(app);
                    boolean same = now.equals(last);
                    last.clear();
                    last.putAll(now);
                    return same;
                });
    }

    /** Each app's stream-thread commits so far. */
    private static Map<String, Double> commits(HarvestApp app) {
        Map<String, Double> out = new HashMap<>();
        for (Map.Entry<String, KafkaStreams> e : app.apps().entrySet()) {
            double sum = 0;
            for (Map.Entry<MetricName, ? extends Metric> m : e.getValue().metrics().entrySet()) {
                if (m.getKey().name().equals("commit-total") && m.getKey().group().equals("stream-thread-metrics")) {
                    sum += ((Number) m.getValue().metricValue()).doubleValue();
                }
            }
            out.put(e.getKey(), sum);
        }
        return out;
    }
}
