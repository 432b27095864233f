package dev.harvest.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harvest.client.ClientProperties;
import dev.harvest.devstack.FreePorts;
import dev.harvest.devstack.LocalRedis;
import dev.harvest.redis.RedisClients;
import dev.harvest.testkit.SaslSslBroker;
import dev.harvest.testkit.TlsRedis;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code harvest bench --topology FILE} against a cluster and Redis the user runs: a SASL_SSL broker and a Redis
 * with an ACL user over TLS, both reached with the settings of a pipeline file. The run reports its figures from
 * there, leaves the cluster's and Redis's own data alone, removes all it made and shows no password.
 */
class BenchExternalIT {

    private static final String KAFKA_PASSWORD = "kafka-secret-bench-41c7";
    private static final String REDIS_PASSWORD = "redis-secret-bench-e90d";

    @TempDir
    Path dir;

    @Test
    void shouldMeasureOnTheClusterOfAPipelineFileAndLeaveNothingBehindWhenItEnds() throws Exception {
        try (SaslSslBroker broker = SaslSslBroker.start(dir, "harvest", KAFKA_PASSWORD);
             TlsRedis redis = TlsRedis.start(dir, "default-user-pw-bench", "harvest", REDIS_PASSWORD)) {
            Path file = Files.writeString(dir.resolve("cluster.yaml"), """
                    pipeline: theirs
                    %s
                    redis:
                      uri: "rediss://127.0.0.1:%d"
                      username: harvest
                      password: "%s"
                      tls: { caFile: "%s" }
                    lanes:
                      - { name: main, topic: theirs.tasks, partitions: 1 }
                    handlers:
                      work: { kind: simulated, latency: 5ms }
                    """.formatted(broker.kafkaYaml().replace("${KAFKA_SASL_PASSWORD}", KAFKA_PASSWORD),
                    redis.tlsPort(), REDIS_PASSWORD, redis.caPem()));
            BenchTarget target = BenchTarget.of(file);
            try (Admin admin = Admin.create(ClientProperties.common(target.kafka()));
                 RedisClients theirRedis = RedisClients.connect(target.redis())) {
                admin.createTopics(List.of(new NewTopic("theirs.tasks", Optional.of(1), Optional.empty())))
                        .all().get(30, TimeUnit.SECONDS);
                RedisCommands<String, String> keys = theirRedis.connection().sync();
                keys.set("theirs:key", "kept");
                Set<String> topicsBefore = admin.listTopics().names().get(30, TimeUnit.SECONDS);
                List<String> log = new ArrayList<>();

                Map<String, Object> out = new BenchRunner(new BenchOptions(200, 50, 20, 20, 2, 200, "exactly_once_v2",
                        false, 1, 0, false, 1, null, 0, List.of(), target, null), log::add).run();

                assertThat(out.get("broker")).isEqualTo("external");
                assertThat(number(out, "efficiency")).as("achieved / limit").isGreaterThan(0).isLessThanOrEqualTo(1.05);
                assertThat(number(out, "pacedP99Ms")).isGreaterThanOrEqualTo(number(out, "pacedP50Ms"))
                        .isGreaterThanOrEqualTo(20);
                assertThat(number(out, "redisCallsPerTask")).as("counted on their Redis, logged in as their user")
                        .isGreaterThan(0).isLessThan(1.0);
                assertThat(number(out, "overheadRatio")).isPositive();
                assertThat(number(out, "inFlight")).as("every memory-scenario task held in flight").isEqualTo(200);
                assertThat(out).as("the broker's CPU time is not known here").doesNotContainKey("boundBrokerCpuUs")
                        .containsKey("boundAppCpuUs");

                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).as("the cluster's topics, no more")
                        .isEqualTo(topicsBefore).contains("theirs.tasks");
                assertThat(admin.listGroups().all().get(30, TimeUnit.SECONDS)).extracting(GroupListing::groupId)
                        .as("the run's consumer groups were removed").noneMatch(g -> g.startsWith("bench-"));
                assertThat(keys.keys("*")).as("the run's Redis keys were removed, theirs kept")
                        .containsExactly("theirs:key");
                assertThat(log).anyMatch(l -> l.startsWith("removed the run's") && l.contains("topics"))
                        .noneMatch(l -> l.contains(KAFKA_PASSWORD) || l.contains(REDIS_PASSWORD));
            }
        }
    }

    @Test
    void shouldNameTheAddressWhenTheClusterCannotBeReached() {
        try (LocalRedis redis = LocalRedis.start()) {
            String nowhere = "127.0.0.1:" + FreePorts.pick();
            BenchOptions options = new BenchOptions(200, 50, 20, 20, 2, 200, "exactly_once_v2", false, 1, 0, false, 1,
                    null, 0, List.of(), BenchTarget.of(nowhere, redis.uri()), null);

            assertThatThrownBy(() -> new BenchRunner(options, l -> { }).run())
                    .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("cannot reach Kafka at " + nowhere);
        }
    }

    private static double number(Map<String, Object> out, String key) {
        return ((Number) out.get(key)).doubleValue();
    }
}
