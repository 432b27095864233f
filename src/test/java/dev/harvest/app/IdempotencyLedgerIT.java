package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.config.PipelineConfig;
import dev.harvest.devstack.MockProvider;
import dev.harvest.lease.redis.RedisIdempotencyLedger;
import dev.harvest.redis.RedisClients;
import dev.harvest.testkit.RedisServerExtension;
import dev.harvest.testkit.TestKafka;
import dev.harvest.testkit.TestPipelines;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The idempotency ledger in a real Redis: a task whose result is already recorded (as after a crash between the
 * provider's answer and the commit) is published from the ledger without calling the provider again, and the
 * skip is counted; batched lookups and records from many threads each get their own answer.
 */
class IdempotencyLedgerIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    @TempDir
    Path stateDir;

    @Test
    void shouldAnswerEveryConcurrentLookupAndRecordWithItsOwnResult() throws Exception {
        try (RedisClients clients = RedisClients.connect(REDIS.settings())) {
            RedisIdempotencyLedger ledger = new RedisIdempotencyLedger(clients, TestPipelines.uniqueName("ledger"),
                    Duration.ofMinutes(5), 1024);
            List<CompletableFuture<Void>> puts = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                puts.add(ledger.record("t" + i, "{\"n\":" + i + "}").toCompletableFuture());
            }
            CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            List<CompletableFuture<Optional<String>>> gets = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                gets.add(ledger.recorded("t" + i).toCompletableFuture());
            }
            for (int i = 0; i < 600; i++) {
                Optional<String> got = gets.get(i).get(10, TimeUnit.SECONDS);
                if (i < 500) {
                    assertThat(got).as("t" + i).contains("{\"n\":" + i + "}");
                } else {
                    assertThat(got).as("t" + i + " never recorded").isEmpty();
                }
            }
            ledger.record("big", "x".repeat(2000)).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(ledger.recorded("big").toCompletableFuture().get(5, TimeUnit.SECONDS))
                    .as("results over the size cap are not kept").isEmpty();
        }
    }

    @ParameterizedTest(name = "ledgerTtl {0}")
    @ValueSource(strings = {"", "90s"})
    void shouldPublishTheRecordedResultWithoutCallingTheProviderWhenATaskRunsAgain(String ledgerTtl) throws Exception {
        Duration ttl = ledgerTtl.isEmpty() ? PipelineConfig.DEFAULT_LEDGER_TTL : Duration.ofSeconds(90);
        try (MockProvider provider = provider()) {
            PipelineConfig config = pipeline(provider, "again", ledgerTtl.isEmpty() ? "" : "ledgerTtl: " + ledgerTtl);
            record(config, "done-before", "{\"answer\":42}");
            sendBoth(config);
            try (HarvestApp app = HarvestApp.start(config, AppOptions.defaults(stateDir));
                 OutcomeCollector collector = awaitBoth(config)) {
                assertThat(collector.outcomes().values()).allMatch(OutcomeCollector.Outcome::completed);
                assertThat(provider.callsByTaskId()).as("only the fresh task reached the provider")
                        .containsOnlyKeys("fresh");
                assertThat(collector.rawText()).contains("\"answer\":42");
                String metrics = metrics(app);
                assertThat(metrics).containsPattern("harvest_ledger_skips_total\\{[^}]*lane=\"high\"[^}]*} 1\\.0");
                assertThat(metrics).as("both were there before the app took the partitions over: both looked up")
                        .containsPattern("harvest_ledger_lookups_total\\{[^}]*lane=\"high\"[^}]*} 2\\.0");

                // A task written after the take-over cannot have run on an earlier owner: not looked up.
                try (TaskProducer producer = new TaskProducer(config)) {
                    producer.sendJson("high", "{\"id\":\"later\",\"type\":\"fetch\",\"payload\":{\"n\":3}}");
                    producer.flush();
                }
                await().alias("the later task ended").atMost(Duration.ofSeconds(30)).until(() -> {
                    collector.poll(Duration.ofMillis(200));
                    return collector.outcomes().containsKey("later");
                });
                assertThat(provider.callsByTaskId()).containsOnlyKeys("fresh", "later");
                assertThat(metrics(app)).containsPattern(
                        "harvest_ledger_lookups_total\\{[^}]*lane=\"high\"[^}]*} 2\\.0");
                try (RedisClients clients = RedisClients.connect(REDIS.settings())) {
                    await().alias("the fresh task's result recorded").atMost(Duration.ofSeconds(10))
                            .until(() -> ledgerTtlMillis(clients, config, "fresh") > 0);
                    assertThat(ledgerTtlMillis(clients, config, "fresh")).as("kept for the file's ledgerTtl")
                            .isBetween(ttl.minusSeconds(60).toMillis(), ttl.toMillis());
                }
            }
        }
    }

    @Test
    void shouldNeitherReadNorWriteTheLedgerWhenLedgerTtlIsZero() throws Exception {
        try (MockProvider provider = provider()) {
            PipelineConfig config = pipeline(provider, "noledger", "ledgerTtl: 0s");
            record(config, "done-before", "{\"answer\":42}");
            sendBoth(config);
            try (HarvestApp app = HarvestApp.start(config, AppOptions.defaults(stateDir));
                 OutcomeCollector collector = awaitBoth(config);
                 RedisClients clients = RedisClients.connect(REDIS.settings())) {
                assertThat(collector.outcomes().values()).allMatch(OutcomeCollector.Outcome::completed);
                assertThat(provider.callsByTaskId()).as("with no ledger both tasks reach the provider")
                        .containsOnlyKeys("done-before", "fresh");
                assertThat(ledgerTtlMillis(clients, config, "fresh")).as("no entry written").isEqualTo(-2L);
            }
        }
    }

    private static MockProvider provider() throws IOException {
        return MockProvider.builder().rpsPerKey(100).medianLatency(Duration.ofMillis(5))
                .key("k1", "secret-one-xyz").key("k2", "secret-two-xyz").start();
    }

    private static PipelineConfig pipeline(MockProvider provider, String name, String moreYaml) {
        String handlers = "  fetch: { kind: http, url: \"" + provider.url()
                + "\", keyPool: pool, permits: calls, timeout: 5s }";
        PipelineConfig config = TestPipelines.twoLanes(TestPipelines.uniqueName(name), TestKafka.bootstrapServers(),
                handlers, 3, 64, "1m", moreYaml).withRedis(REDIS.settings());
        TopicAdmin.createAll(config);
        return config;
    }

    /** Records a result in the ledger as an earlier run of the task would have. */
    private static void record(PipelineConfig config, String taskId, String resultJson) throws Exception {
        try (RedisClients clients = RedisClients.connect(REDIS.settings())) {
            new RedisIdempotencyLedger(clients, config.pipeline(), PipelineConfig.DEFAULT_LEDGER_TTL,
                    RedisIdempotencyLedger.MAX_RESULT_BYTES).record(taskId, resultJson).toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Sends the recorded task and a fresh one to the high lane, before the app takes the partitions over: as the
     * records an owner lost before their results committed are there when the next owner takes over.
     */
    private static void sendBoth(PipelineConfig config) {
        try (TaskProducer producer = new TaskProducer(config)) {
            producer.sendJson("high", "{\"id\":\"done-before\",\"type\":\"fetch\",\"payload\":{\"n\":1}}");
            producer.sendJson("high", "{\"id\":\"fresh\",\"type\":\"fetch\",\"payload\":{\"n\":2}}");
            producer.flush();
        }
    }

    /** Returns once both tasks ended. */
    private static OutcomeCollector awaitBoth(PipelineConfig config) {
        OutcomeCollector collector = new OutcomeCollector(config, true);
        try {
            await().alias("both tasks ended").atMost(Duration.ofSeconds(60)).until(() -> {
                collector.poll(Duration.ofMillis(200));
                return collector.outcomes().size() >= 2;
            });
            return collector;
        } catch (RuntimeException e) {
            collector.close();
            throw e;
        }
    }

    private static String metrics(HarvestApp app) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + app.metricsPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** PTTL of a task's ledger entry: -2 when there is none. */
    private static long ledgerTtlMillis(RedisClients clients, PipelineConfig config, String taskId) throws Exception {
        return clients.async().pttl("hs:{" + config.pipeline() + "}:done:" + taskId).get(5, TimeUnit.SECONDS);
    }
}
