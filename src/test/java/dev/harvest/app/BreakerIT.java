package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.config.PipelineConfig;
import dev.harvest.devstack.MockProvider;
import dev.harvest.execution.HandlerBreaker;
import dev.harvest.lease.KeyStatus;
import dev.harvest.testkit.RedisServerExtension;
import dev.harvest.testkit.TestKafka;
import dev.harvest.testkit.TestPipelines;
import dev.harvest.topology.HarvestHeaders;
import io.micrometer.core.instrument.Counter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The http handler's circuit breaker against a local provider that goes down for a while and comes back: the
 * breaker opens, turned-away tasks take no key and no permit and retry after the breaker's wait, half-open probes
 * find the provider back, the breaker closes, and every task completes.
 */
class BreakerIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final int TASKS = 40;
    private static final int MIN_CALLS = 5;
    private static final int HALF_OPEN_CALLS = 2;
    private static final Duration WAIT = Duration.ofSeconds(2);

    @TempDir
    Path stateDir;

    @Test
    void shouldStopCallingTheProviderWhileOpenAndCompleteEveryTaskWhenItRecovers() throws Exception {
        try (MockProvider provider = MockProvider.builder().rpsPerKey(0).medianLatency(Duration.ofMillis(5))
                .tailSigma(0).key("k1", "secret-one-xyz").key("k2", "secret-two-xyz").start()) {
            String handlers = "  fetch: { kind: http, url: \"" + provider.url() + "\", keyPool: pool, permits: calls,"
                    + " timeout: 2s, breaker: { failureRate: 50, window: 10, minCalls: " + MIN_CALLS + ", wait: 2s,"
                    + " halfOpenCalls: " + HALF_OPEN_CALLS + " } }";
            PipelineConfig config = TestPipelines.twoLanes(TestPipelines.uniqueName("breaker"),
                    TestKafka.bootstrapServers(), handlers, 30).withRedis(REDIS.settings());
            TopicAdmin.createAll(config);
            try (HarvestApp app = HarvestApp.start(config, AppOptions.defaults(stateDir));
                 TaskProducer producer = new TaskProducer(config);
                 OutcomeCollector collector = new OutcomeCollector(config);
                 BreakerBoard board = new BreakerBoard(config)) {
                HandlerBreaker breaker = app.breakers().get(0);
                produce(producer, "warm-up", 1);
                awaitOutcomes(collector, 1);

                provider.outage(Duration.ofSeconds(3));
                produce(producer, "t", TASKS);
                await().alias("breaker opens").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(10))
                        .until(() -> breaker.state() == HandlerBreaker.State.OPEN);
                await().alias("breaker state published while open").atMost(Duration.ofSeconds(5))
                        .until(() -> board.rows().stream().anyMatch(r -> r.handler().equals("fetch")
                                && r.state().equals("open")));
                awaitOutcomes(collector, TASKS + 1);

                assertThat(collector.outcomes().values()).allMatch(OutcomeCollector.Outcome::completed);
                assertThat(breaker.state()).isEqualTo(HandlerBreaker.State.CLOSED);
                double halfOpens = transitions(app, "half-open");
                assertThat(transitions(app, "open")).isGreaterThanOrEqualTo(1);
                assertThat(halfOpens).isGreaterThanOrEqualTo(1);
                assertThat(transitions(app, "closed")).isEqualTo(1);
                assertThat(app.registry().get("harvest.breaker.rejected").tag("handler", "fetch").counter().count())
                        .as("tasks turned away while open").isPositive();

                long failedCalls = provider.keyStats().values().stream().mapToLong(k -> k.serverErrors()).sum();
                int permits = config.permits().get(0).permits();
                assertThat(failedCalls).as("calls the provider got during its outage: enough to open the breaker,"
                        + " those already running, and the half-open probes; not one per retry")
                        .isPositive().isLessThanOrEqualTo((long) (MIN_CALLS + permits + HALF_OPEN_CALLS * halfOpens));
                long providerCalls = provider.keyStats().values().stream().mapToLong(k -> k.calls()).sum();
                try (KeyAdmin keys = new KeyAdmin(config)) {
                    // A task granted its key at the very moment the breaker opened gives it back uncalled. A lease
                    // handed from a finished task to a waiting one serves a second call without a new claim.
                    long handedOver = (long) app.registry().get("harvest.admission.leases.reused").counter().count();
                    assertThat(keys.list(null).stream().mapToLong(KeyStatus::totalClaims).sum() + handedOver)
                            .as("keys leased or handed over: one per provider call, none for tasks turned away or"
                                    + " stopped waiting")
                            .isBetween(providerCalls, providerCalls + permits);
                }
                assertThat(circuitOpenRetryDelays(config)).as("retry delays of turned-away tasks").isNotEmpty()
                        .allMatch(d -> d.compareTo(WAIT.plusMillis(500)) <= 0)
                        .anyMatch(d -> d.compareTo(Duration.ofSeconds(1)) > 0);
                await().alias("closed state published").atMost(Duration.ofSeconds(5))
                        .until(() -> board.rows().stream().anyMatch(r -> r.state().equals("closed")));
            }
        }
    }

    private static void produce(TaskProducer producer, String prefix, int n) {
        for (int i = 0; i < n; i++) {
            producer.sendJson(i % 2 == 0 ? "high" : "low",
                    "{\"id\":\"" + prefix + i + "\",\"type\":\"fetch\",\"payload\":{\"n\":" + i + "}}");
        }
        producer.flush();
    }

    private static void awaitOutcomes(OutcomeCollector collector, int n) {
        await().alias(n + " outcomes").atMost(Duration.ofSeconds(40)).until(() -> {
            collector.poll(Duration.ofMillis(100));
            return collector.outcomes().size() >= n;
        });
    }

    private static double transitions(HarvestApp app, String state) {
        Counter c = app.registry().find("harvest.breaker.transitions").tag("handler", "fetch").tag("state", state)
                .counter();
        return c == null ? 0 : c.count();
    }

    /** Due time minus write time of every retry record the breaker caused. */
    private static List<Duration> circuitOpenRetryDelays(PipelineConfig config) {
        List<Duration> delays = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(KafkaClientProperties.consumer(config,
                null))) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : config.retryTopics()) {
                consumer.partitionsFor(topic, Duration.ofSeconds(10))
                        .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            int empty = 0;
            while (empty < 3) {
                var records = consumer.poll(Duration.ofMillis(300));
                empty = records.isEmpty() ? empty + 1 : 0;
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    if ("CircuitOpen".equals(HarvestHeaders.get(r.headers(), HarvestHeaders.ERROR_CLASS))) {
                        Instant due = Instant.parse(HarvestHeaders.get(r.headers(), HarvestHeaders.DUE_AT));
                        delays.add(Duration.between(Instant.ofEpochMilli(r.timestamp()), due));
                    }
                }
            }
        }
        return delays;
    }
}
