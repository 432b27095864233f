package dev.harvest.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

public class PipelineLoaderTest {

    private static final Path REFERENCE = Path.of("topologies/harvest.yaml");
    private static final Function<String, String> NO_ENV = name -> null;

    private static String base;

    @BeforeAll
    static void readReference() throws IOException {
        base = Files.readString(REFERENCE, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- the reference file

    @Test
    void shouldLoadReferenceFileWithDefaultsWhenEnvironmentIsEmpty() {
        PipelineConfig config = new PipelineLoader(NO_ENV).load(REFERENCE);

        assertThat(config.pipeline()).isEqualTo("harvest");
        assertThat(config.kafka().bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(config.kafka().properties()).isEmpty();
        assertThat(config.kafka().processingGuarantee()).isEqualTo("exactly_once_v2");
        assertThat(config.kafka().replicationFactor()).isEqualTo(-1);
        assertThat(config.redis().uri()).isEqualTo("redis://localhost:6379");
        assertThat(config.lanes()).extracting(LaneConfig::name).containsExactly("high", "normal", "low");
        assertThat(config.lanes()).extracting(LaneConfig::topic)
                .containsExactly("harvest.tasks.high", "harvest.tasks.normal", "harvest.tasks.low");
        assertThat(config.lanes()).extracting(LaneConfig::maxInFlight).containsExactly(256, 256, 128);
        assertThat(config.lanes()).extracting(LaneConfig::partitions).containsExactly(6, 6, 6);
        assertThat(config.retry().delays())
                .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(1));
        assertThat(config.retry().maxAttempts()).isEqualTo(4);
        assertThat(config.retry().jitter()).isEqualTo(0.2);
        assertThat(config.retryTopics()).containsExactly("harvest.retry.1s", "harvest.retry.10s", "harvest.retry.1m");
        assertThat(config.resultsTopic()).isEqualTo("harvest.results");
        assertThat(config.deadLetterTopic()).isEqualTo("harvest.dlq");
        assertThat(config.maxTaskBytes()).isEqualTo(1_048_576);
        assertThat(config.dedupeWindow()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.admissionWait()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.priority()).isEqualTo("fifo");
        assertThat(config.metricsPort()).isEqualTo(8080);
    }

    @Test
    void shouldMapRateAndBudgetWhenPoolAndKeyDeclareThem() {
        String yaml = swap(base, "cooldownOn429: 30s,", "cooldownOn429: 30s, rate: { requests: 500, per: 1m },"
                + " budget: { units: 90000, per: 1m },");
        yaml = swap(yaml, "{ id: key-2, secret: \"dev-only-inline\" }",
                "{ id: key-2, secret: \"dev-only-inline\", budget: { units: 1.5, per: 10s } }");

        KeyPoolConfig pool = new PipelineLoader(NO_ENV).parse(yaml).keyPool("provider-a").orElseThrow();

        assertThat(pool.rate()).isEqualTo(new RateLimit(500, Duration.ofMinutes(1)));
        assertThat(pool.budget()).isEqualTo(new Budget(90000.0, Duration.ofMinutes(1)));
        assertThat(pool.rateOf(pool.keys().get(1))).isEqualTo(pool.rate());
        assertThat(pool.budgetOf(pool.keys().get(0))).isEqualTo(pool.budget());
        assertThat(pool.budgetOf(pool.keys().get(1))).isEqualTo(new Budget(1.5, Duration.ofSeconds(10)));
        assertThat(pool.budgetOf(pool.keys().get(1)).micros()).isEqualTo(1_500_000L);
        assertThat(new PipelineLoader(NO_ENV).load(REFERENCE).keyPool("provider-a").orElseThrow().hasRateOrBudget())
                .isFalse();
    }

    @Test
    void shouldMapPoolsPermitsAndHandlersWhenReferenceFileIsLoaded() {
        PipelineConfig config = new PipelineLoader(NO_ENV).load(REFERENCE);

        KeyPoolConfig pool = config.keyPool("provider-a").orElseThrow();
        assertThat(pool.maxConcurrentPerKey()).isEqualTo(4);
        assertThat(pool.cooldownOn429()).isEqualTo(Duration.ofSeconds(30));
        assertThat(pool.keys()).extracting(KeyConfig::id).containsExactly("key-1", "key-2");
        assertThat(pool.keys().get(0).secretEnv()).isEqualTo("PROVIDER_A_KEY_1");
        assertThat(pool.keys().get(1).secret()).isEqualTo("dev-only-inline");
        assertThat(pool.capacity()).isEqualTo(8);
        PermitConfig permits = config.permit("api-calls").orElseThrow();
        assertThat(permits.permits()).isEqualTo(64);
        assertThat(permits.leaseTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(permits.reserved()).isEqualTo(Map.of("high", 16));
        assertThat(config.handlers()).containsOnlyKeys("fetch", "simulate");
        HandlerConfig fetch = config.handlers().get("fetch");
        assertThat(fetch.kind()).isEqualTo("http");
        assertThat(fetch.method()).isEqualTo("POST");
        assertThat(fetch.url()).isEqualTo("http://127.0.0.1:8089/v1/work");
        assertThat(fetch.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(fetch.keyPool()).isEqualTo("provider-a");
        assertThat(fetch.permits()).isEqualTo("api-calls");
        HandlerConfig simulate = config.handlers().get("simulate");
        assertThat(simulate.kind()).isEqualTo("simulated");
        assertThat(simulate.latency()).isEqualTo(Duration.ofMillis(20));
        assertThat(simulate.failureRate()).isEqualTo(0.05);
        assertThat(simulate.rateLimitRate()).isEqualTo(0.01);
        assertThat(simulate.poisonRate()).isEqualTo(0.0);
        assertThat(config.allTopics()).containsExactlyInAnyOrder("harvest.tasks.high", "harvest.tasks.normal",
                "harvest.tasks.low", "harvest.retry.1s", "harvest.retry.10s", "harvest.retry.1m", "harvest.results",
                "harvest.dlq");
        assertThat(config.laneIndex("normal")).isEqualTo(1);
        assertThat(config.laneIndex("nope")).isEqualTo(-1);
    }

    @Test
    void shouldUseEnvironmentValueWhenVariableIsSet() {
        Map<String, String> env = Map.of("HARVEST_KAFKA_BOOTSTRAP", "broker-1:9093,broker-2:9093",
                "HARVEST_REDIS_URI", "rediss://:pw@redis.example:6380");

        PipelineConfig config = new PipelineLoader(env::get).load(REFERENCE);

        assertThat(config.kafka().bootstrapServers()).isEqualTo("broker-1:9093,broker-2:9093");
        assertThat(config.redis().uri()).isEqualTo("rediss://:pw@redis.example:6380");
    }

    @Test
    void shouldReadRedisLoginAndTlsFromTheEnvironmentWhenReferenced() {
        String yaml = swap(base, "{ uri: \"${HARVEST_REDIS_URI:-redis://localhost:6379}\" }", """
                { uri: "rediss://redis.example:6380", username: "${REDIS_USER:-}", password: "${REDIS_PASSWORD:-}",
                  tls: { caFile: /etc/harvest/redis/ca.crt, verifyPeer: ca } }""");
        Map<String, String> env = Map.of("REDIS_USER", "harvest", "REDIS_PASSWORD", "p@ss:w/rd");

        RedisSettings redis = new PipelineLoader(env::get).parse(yaml).redis();
        RedisSettings anonymous = new PipelineLoader(NO_ENV).parse(yaml).redis();

        assertThat(redis.username()).isEqualTo("harvest");
        assertThat(redis.password()).isEqualTo("p@ss:w/rd");
        assertThat(redis.tls()).isEqualTo(new RedisTls("/etc/harvest/redis/ca.crt", null, null, "ca"));
        assertThat(redis.toString()).doesNotContain("p@ss:w/rd");
        assertThat(anonymous.username()).as("an empty variable means: not set").isNull();
        assertThat(anonymous.password()).isNull();
        assertThat(anonymous.tls().verifyPeer()).isEqualTo("ca");
    }

    @Test
    void shouldHideEveryFormOfUriPasswordWhenSettingsArePrinted() {
        assertThat(new RedisSettings("redis://:pw-1@h:6379", null).safeUri()).isEqualTo("redis://:***@h:6379");
        assertThat(new RedisSettings("rediss://app:pw-2@h:6380/0", null).safeUri()).isEqualTo("rediss://app:***@h:6380/0");
        assertThat(new RedisSettings("redis://pw-3@h:6379", null).safeUri()).isEqualTo("redis://***@h:6379");
        assertThat(new RedisSettings("redis://h:6379", null, null, "pw-4", null).toString()).doesNotContain("pw-4");
    }

    @Test
    void shouldUseDefaultWhenVariableIsSetButEmpty() {
        PipelineConfig config = new PipelineLoader(Map.of("HARVEST_KAFKA_BOOTSTRAP", "")::get).load(REFERENCE);

        assertThat(config.kafka().bootstrapServers()).isEqualTo("localhost:9092");
    }

    @Test
    void shouldKeepDollarAndBackslashLiterallyWhenValueContainsThem() {
        String yaml = swap(base, "\"${HARVEST_KAFKA_BOOTSTRAP:-localhost:9092}\"", "'${BOOT}'");

        PipelineConfig config = new PipelineLoader(Map.of("BOOT", "a$1\\b:9092")::get).parse(yaml);

        assertThat(config.kafka().bootstrapServers()).isEqualTo("a$1\\b:9092");
    }

    @Test
    void shouldLeaveEscapedReferenceLiteralWhenWrittenWithDoubleDollar() {
        String yaml = swap(base, "\"${HARVEST_KAFKA_BOOTSTRAP:-localhost:9092}\"", "\"$${NOT_SUBSTITUTED}\"");

        PipelineConfig config = new PipelineLoader(Map.of("NOT_SUBSTITUTED", "must-not-be-used")::get).parse(yaml);

        assertThat(config.kafka().bootstrapServers()).isEqualTo("${NOT_SUBSTITUTED}");
    }

    @Test
    void shouldSubstituteVariableWithoutDefaultWhenItIsSet() {
        String yaml = swap(base, "${HARVEST_KAFKA_BOOTSTRAP:-localhost:9092}", "${BOOT}");

        PipelineConfig config = new PipelineLoader(Map.of("BOOT", "k:1")::get).parse(yaml);

        assertThat(config.kafka().bootstrapServers()).isEqualTo("k:1");
    }

    // ---------------------------------------------------------------- one line per problem, naming the field

    /** One case per invalid value: the expected start of the message and the edits of the reference file. */
    public static Stream<Arguments> invalidFiles() {
        String lane0 = "- { name: high,   topic: harvest.tasks.high,   partitions: 6, maxInFlight: 256 }";
        String lane1 = "- { name: normal, topic: harvest.tasks.normal, partitions: 6, maxInFlight: 256 }";
        String lane2 = "- { name: low,    topic: harvest.tasks.low,    partitions: 6, maxInFlight: 128 }";
        String keys = "keys: [ { id: key-1, secretEnv: PROVIDER_A_KEY_1 }, { id: key-2, secret: \"dev-only-inline\" } ]";
        String permitLine = "- { name: api-calls, permits: 64, leaseTtl: 30s, reserved: { high: 16 } }";
        String fetchTail = "keyPool: provider-a, permits: api-calls, timeout: 10s }";
        return Stream.of(
                // pipeline
                bad("pipeline: must not be blank", "pipeline: harvest", "pipeline: \"\""),
                bad("pipeline: must use letters", "pipeline: harvest", "pipeline: \"har vest\""),
                // kafka
                bad("kafka: is required",
                        "kafka: { bootstrapServers: \"${HARVEST_KAFKA_BOOTSTRAP:-localhost:9092}\", properties: {} }",
                        ""),
                bad("kafka.bootstrapServers: must not be blank",
                        "\"${HARVEST_KAFKA_BOOTSTRAP:-localhost:9092}\"", "\" \""),
                bad("kafka.replicationFactor: must be -1", "properties: {} }", "properties: {}, replicationFactor: 0 }"),
                bad("kafka.processingGuarantee: must be exactly_once_v2 or at_least_once",
                        "properties: {} }", "properties: {}, processingGuarantee: exactly_once }"),
                bad("kafka.properties: ", "properties: {} }", "properties: [a, b] }"),
                // redis
                bad("redis.uri: must start with redis://", "\"${HARVEST_REDIS_URI:-redis://localhost:6379}\"",
                        "\"http://localhost:6379\""),
                bad("redis.uri: must not be blank", "\"${HARVEST_REDIS_URI:-redis://localhost:6379}\"", "\"\""),
                bad("redis.commandTimeout: must be a positive duration", "redis://localhost:6379}\" }",
                        "redis://localhost:6379}\", commandTimeout: 0s }"),
                bad("redis.username: needs a password", "redis://localhost:6379}\" }",
                        "redis://localhost:6379}\", username: app }"),
                bad("redis.password: is also given in uri", "\"${HARVEST_REDIS_URI:-redis://localhost:6379}\" }",
                        "\"redis://:pw@localhost:6379\", password: pw }"),
                bad("redis.tls: needs a rediss:// uri", "redis://localhost:6379}\" }",
                        "redis://localhost:6379}\", tls: { caFile: /ca.crt } }"),
                bad("redis.tls.verifyPeer: must be full, ca or none", "\"${HARVEST_REDIS_URI:-redis://localhost:6379}\" }",
                        "\"rediss://r:6380\", tls: { verifyPeer: maybe } }"),
                bad("redis.tls.keyFile: is required with certFile", "\"${HARVEST_REDIS_URI:-redis://localhost:6379}\" }",
                        "\"rediss://r:6380\", tls: { certFile: /c.crt } }"),
                bad("redis.tls.caFile: must not be blank", "\"${HARVEST_REDIS_URI:-redis://localhost:6379}\" }",
                        "\"rediss://r:6380\", tls: { caFile: \" \" } }"),
                // lanes
                bad("lanes: must not be empty", "lanes:                       # highest priority first",
                        "lanes: []", "  " + lane0, "", "  " + lane1, "", "  " + lane2, ""),
                bad("lanes[1].topic: must not be blank", "topic: harvest.tasks.normal", "topic: \"\""),
                bad("lanes[1].topic: is not a valid Kafka topic name", "topic: harvest.tasks.normal",
                        "topic: \"bad topic\""),
                bad("lanes[0].name: must use letters", "name: high,", "name: \"-high\","),
                bad("lanes[0].name: must not be blank", "name: high,", "name: \"\","),
                bad("lanes[2].partitions: must be > 0", "partitions: 6, maxInFlight: 128", "partitions: 0, maxInFlight: 128"),
                bad("lanes[2].maxInFlight: must be > 0", "maxInFlight: 128", "maxInFlight: -1"),
                bad("lanes[2].partitions: ", "partitions: 6, maxInFlight: 128", "partitions: six, maxInFlight: 128"),
                bad("lanes[1].name: duplicate lane name 'high'", "name: normal,", "name: high,"),
                bad("lanes[1].topic: topic 'harvest.tasks.high' is used twice", "topic: harvest.tasks.normal",
                        "topic: harvest.tasks.high"),
                bad("lanes[2].colour: unknown field 'colour'", "maxInFlight: 128 }", "maxInFlight: 128, colour: red }"),
                // retry
                bad("retry.delays: must not be empty", "delays: [1s, 10s, 1m]", "delays: []"),
                bad("retry.delays[1]: must be a positive duration", "delays: [1s, 10s, 1m]", "delays: [1s, 0s, 1m]"),
                bad("retry.delays[1]: not a duration: 'soon'", "delays: [1s, 10s, 1m]", "delays: [1s, soon, 1m]"),
                bad("retry.delays: must not repeat", "delays: [1s, 10s, 1m]", "delays: [1s, 1000ms, 1m]"),
                bad("retry.maxAttempts: must be > 0", "maxAttempts: 4", "maxAttempts: 0"),
                bad("retry.maxAttempts: ", "maxAttempts: 4", "maxAttempts: 4.5"),
                bad("retry.jitter: must be below 1", "jitter: 0.2", "jitter: 1.0"),
                bad("retry.jitter: must be between 0 and 1", "jitter: 0.2", "jitter: -0.1"),
                bad("retry.jitter: must be between 0 and 1", "jitter: 0.2", "jitter: 1.5"),
                bad("retry.jitter: ", "jitter: 0.2", "jitter: lots"),
                bad("retry.delays[1]: topic 'harvest.retry.10s' is used twice", "resultsTopic: harvest.results",
                        "resultsTopic: harvest.retry.10s"),
                // topics and sizes
                bad("resultsTopic: is not a valid Kafka topic name", "resultsTopic: harvest.results",
                        "resultsTopic: \"harvest/results\""),
                bad("resultsTopic: topic 'harvest.tasks.low' is used twice", "resultsTopic: harvest.results",
                        "resultsTopic: harvest.tasks.low"),
                bad("deadLetterTopic: topic 'harvest.results' is used twice", "deadLetterTopic: harvest.dlq",
                        "deadLetterTopic: harvest.results"),
                bad("deadLetterTopic: is not a valid Kafka topic name", "deadLetterTopic: harvest.dlq",
                        "deadLetterTopic: \"..\""),
                bad("maxTaskBytes: must be > 0", "maxTaskBytes: 1048576", "maxTaskBytes: 0"),
                bad("dedupeWindow: must not be negative", "dedupeWindow: 10m", "dedupeWindow: PT-1S"),
                bad("ledgerTtl: must not be negative", "ledgerTtl: 24h", "ledgerTtl: PT-1S"),
                bad("ledgerTtl: must be 0s (no ledger) or at least 1s, was 500ms", "ledgerTtl: 24h", "ledgerTtl: 500ms"),
                bad("ledgerTtl: not a duration: 'forever'", "ledgerTtl: 24h", "ledgerTtl: forever"),
                bad("admissionWait: must be a positive duration", "admissionWait: 30s", "admissionWait: 0s"),
                bad("admissionWait: not a duration: '30 seconds'", "admissionWait: 30s", "admissionWait: 30 seconds"),
                bad("priority: must be fifo or strict", "admissionWait: 30s", "admissionWait: 30s\npriority: random"),
                bad("metricsPort: must be between 0 and 65535", "admissionWait: 30s", "admissionWait: 30s\nmetricsPort: 70000"),
                bad("colour: unknown field 'colour'", "maxTaskBytes: 1048576", "maxTaskBytes: 1048576\ncolour: red"),
                // key pools
                bad("keyPools[0].name: must not be blank", "name: provider-a,", "name: \"\","),
                bad("keyPools[0].maxConcurrentPerKey: must be > 0", "maxConcurrentPerKey: 4", "maxConcurrentPerKey: 0"),
                bad("keyPools[0].cooldownOn429: must not be negative", "cooldownOn429: 30s", "cooldownOn429: PT-30S"),
                bad("keyPools[0].keys: must not be empty", keys, "keys: []"),
                bad("keyPools[0].keys[1].id: duplicate key id 'key-1'", "id: key-2", "id: key-1"),
                bad("keyPools[0].keys[0].id: must not be blank", "id: key-1,", "id: \"\","),
                bad("keyPools[0].keys[1].secret: give only one of secret, secretEnv, secretFile",
                        "secret: \"dev-only-inline\"", "secret: \"x\", secretFile: /run/secret"),
                bad("keyPools[0].keys[1].secret: one of secret, secretEnv, secretFile is required",
                        "{ id: key-2, secret: \"dev-only-inline\" }", "{ id: key-2 }"),
                bad("keyPools[0].keys[0].secretEnv: must not be blank", "secretEnv: PROVIDER_A_KEY_1", "secretEnv: \" \""),
                bad("keyPools[0].rate.requests: must be > 0, was 0", "cooldownOn429: 30s,",
                        "cooldownOn429: 30s, rate: { requests: 0, per: 1m },"),
                bad("keyPools[0].rate.per: is required", "cooldownOn429: 30s,", "cooldownOn429: 30s, rate: { requests: 5 },"),
                bad("keyPools[0].rate.per: must be a positive duration", "cooldownOn429: 30s,",
                        "cooldownOn429: 30s, rate: { requests: 5, per: 0s },"),
                bad("keyPools[0].rate.burst: unknown field 'burst'", "cooldownOn429: 30s,",
                        "cooldownOn429: 30s, rate: { requests: 5, per: 1s, burst: 2 },"),
                bad("keyPools[0].budget.units: must be a number > 0", "cooldownOn429: 30s,",
                        "cooldownOn429: 30s, budget: { units: -1, per: 1m },"),
                bad("keyPools[0].budget.units: must be a number > 0", "cooldownOn429: 30s,",
                        "cooldownOn429: 30s, budget: { per: 1m },"),
                bad("keyPools[0].budget.per: not a duration", "cooldownOn429: 30s,",
                        "cooldownOn429: 30s, budget: { units: 100, per: monthly },"),
                bad("keyPools[0].keys[1].rate.requests: must be > 0", "{ id: key-2, secret: \"dev-only-inline\" }",
                        "{ id: key-2, secret: \"dev-only-inline\", rate: { requests: -2, per: 1s } }"),
                bad("keyPools[1].name: duplicate name 'provider-a'", keys,
                        keys + " }\n  - { name: provider-a, keys: [ { id: k, secret: s } ]"),
                // permits
                bad("permits[0].name: must use letters", "name: api-calls,", "name: \"api calls\","),
                bad("permits[0].permits: must be > 0", "permits: 64", "permits: 0"),
                bad("permits[0].leaseTtl: must be at least 300ms", "leaseTtl: 30s", "leaseTtl: 100ms"),
                bad("permits[0].reserved: reserves 64 of 64 permits", "reserved: { high: 16 }", "reserved: { high: 64 }"),
                bad("permits[0].reserved.high: must be >= 0", "reserved: { high: 16 }", "reserved: { high: -1 }"),
                bad("permits[0].reserved.urgent: unknown lane 'urgent'", "reserved: { high: 16 }",
                        "reserved: { urgent: 16 }"),
                bad("permits[1].name: duplicate name 'api-calls'", permitLine,
                        permitLine + "\n  - { name: api-calls, permits: 8 }"),
                // handlers
                bad("handlers: must not be empty", "handlers:                    # task.type -> handler", "handlers: {}",
                        "  fetch:    { kind: http", "#", "  simulate: { kind", "#"),
                bad("handlers.fetch.kind: must be one of", "kind: http", "kind: grpc"),
                bad("handlers.fetch.kind: must not be blank", "kind: http, ", ""),
                bad("handlers.fetch.method: must be one of", "method: POST", "method: FETCH"),
                bad("handlers.fetch.url: must not be blank",
                        "url: \"${HARVEST_PROVIDER_URL:-http://127.0.0.1:8089/v1/work}\", ", ""),
                bad("handlers.fetch.url: must start with http:// or https://",
                        "\"${HARVEST_PROVIDER_URL:-http://127.0.0.1:8089/v1/work}\"",
                        "\"ftp://127.0.0.1/v1/work\""),
                bad("handlers.fetch.timeout: must be a positive duration", "timeout: 10s", "timeout: 0s"),
                bad("handlers.fetch.timeout: not a duration", "timeout: 10s", "timeout: 10 s"),
                bad("handlers.fetch.retries: unknown field 'retries'", "timeout: 10s }", "timeout: 10s, retries: 3 }"),
                bad("handlers.simulate.latency: must not be negative", "latency: 20ms", "latency: PT-1S"),
                bad("handlers.simulate.failureRate: must be between 0 and 1", "failureRate: 0.05", "failureRate: 1.5"),
                bad("handlers.simulate.rateLimitRate: must be between 0 and 1", "rateLimitRate: 0.01",
                        "rateLimitRate: -0.01"),
                bad("handlers.simulate.poisonRate: must be between 0 and 1", "rateLimitRate: 0.01",
                        "rateLimitRate: 0.01, poisonRate: 2.0"),
                bad("handlers.simulate.failureRate: failureRate + rateLimitRate + poisonRate must not exceed 1",
                        "failureRate: 0.05", "failureRate: 0.995"),
                bad("handlers.fetch.keyPool: unknown key pool 'provider-b'", fetchTail,
                        "keyPool: provider-b, permits: api-calls, timeout: 10s }"),
                bad("handlers.fetch.permits: unknown permits 'db-calls'", fetchTail,
                        "keyPool: provider-a, permits: db-calls, timeout: 10s }"),
                // redrive
                redrive("redrive[0].reason: must not be blank", "{ after: 10m }"),
                redrive("redrive[0].reason: must not be blank", "{ reason: \" \", after: 10m }"),
                redrive("redrive[0].reason: must be one of max-attempts, permanent-failure, malformed, unknown-type, "
                        + "oversized, expired, was 'max-attempt'", "{ reason: max-attempt, after: 10m }"),
                redrive("redrive[0].after: is required", "{ reason: max-attempts }"),
                redrive("redrive[0].after: must be a positive duration, was 0ms", "{ reason: max-attempts, after: 0s }"),
                redrive("redrive[0].after: not a duration: 'later'", "{ reason: max-attempts, after: later }"),
                redrive("redrive[0].limit: must be > 0, was 0", "{ reason: max-attempts, after: 10m, limit: 0 }"),
                redrive("redrive[0].limit: ", "{ reason: max-attempts, after: 10m, limit: many }"),
                redrive("redrive[0].lane: must use letters", "{ reason: max-attempts, after: 10m, lane: \"a b\" }"),
                redrive("redrive[1].lane: unknown lane 'urgent'",
                        "{ reason: max-attempts, after: 10m }, { reason: expired, after: 1h, lane: urgent }"),
                redrive("redrive[1]: duplicate rule for reason 'max-attempts' and lane 'low'",
                        "{ reason: max-attempts, after: 10m, lane: low }, { reason: max-attempts, after: 1h, lane: low }"),
                redrive("redrive[0].interval: unknown field 'interval'",
                        "{ reason: max-attempts, after: 10m, interval: 1m }"),
                redrive("redrive[0]: must not be empty", "~"),
                bad("redriveInterval: must be a positive duration, was 0ms", "admissionWait: 30s",
                        "admissionWait: 30s\nredriveInterval: 0s"),
                bad("redriveInterval: not a duration: 'hourly'", "admissionWait: 30s",
                        "admissionWait: 30s\nredriveInterval: hourly"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("invalidFiles")
    void shouldFailWithOneLineNamingTheFieldWhenValueIsInvalid(String expectedStart, List<String> edits)
            throws IOException {
        String text = edited(edits);

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> new PipelineLoader(NO_ENV).parse(text));

        assertThat(e).as("no ConfigException for: %s", expectedStart).isNotNull();
        assertThat(e.getMessage()).startsWith(expectedStart).doesNotContain("\n", "\r");
        String field = expectedStart.substring(0, expectedStart.indexOf(':'));
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.getMessage()).isEqualTo(field + ": " + e.problem());
    }

    @Test
    void shouldNameTheVariableWhenItIsMissingAndHasNoDefault() {
        String yaml = swap(base, "${HARVEST_KAFKA_BOOTSTRAP:-localhost:9092}", "${HARVEST_MISSING_VAR}");

        assertThatThrownBy(() -> new PipelineLoader(NO_ENV).parse(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessage("${HARVEST_MISSING_VAR}: environment variable HARVEST_MISSING_VAR is not set and has no default");
    }

    @Test
    void shouldFailWithOneLineWhenFileIsMissing(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yaml");

        assertThatThrownBy(() -> new PipelineLoader(NO_ENV).load(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessage("pipeline file not found: " + missing);
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello world", "<html><body>not yaml</body></html>", "- a\n- b\n", "\u0007\u0008"})
    void shouldFailWithOneLineWhenFileIsNotAPipeline(String text) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> new PipelineLoader(NO_ENV).parse(text));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).isNotBlank().doesNotContain("\n", "\r");
    }

    @Test
    void shouldFailWithOneLineWhenFileIsEmpty(@TempDir Path dir) throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.yaml"), "# nothing here\n");

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> new PipelineLoader(NO_ENV).load(empty));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
    }
    @ParameterizedTest
    @ValueSource(strings = {"a: b\n  c: d\n", "{ unbalanced", "key: [a, b\nother: c", "pipeline: harvest\n\tkafka: x\n",
            "@@@"})
    void shouldFailWithOneLineWhenYamlSyntaxIsBroken(String text) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> new PipelineLoader(NO_ENV).parse(text));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).startsWith("not valid YAML").doesNotContain("\n", "\r");
    }
    @Test
    void shouldNameTheElementWhenListElementIsEmpty() {
        String lanes = swap(base, "  - { name: normal, topic: harvest.tasks.normal, partitions: 6, maxInFlight: 256 }",
                "  - ~");
        String keys = swap(base, "{ id: key-2, secret: \"dev-only-inline\" }", "~");

        assertThatThrownBy(() -> new PipelineLoader(NO_ENV).parse(lanes)).hasMessageStartingWith("lanes[1]: ");
        assertThatThrownBy(() -> new PipelineLoader(NO_ENV).parse(keys)).hasMessageStartingWith("keyPools[0].keys[1]: ");
    }

    @Test
    void shouldNameTheFieldWhenDurationOverflows() {
        String yaml = swap(base, "admissionWait: 30s", "admissionWait: 9999999999999999d");

        assertThatThrownBy(() -> new PipelineLoader(NO_ENV).parse(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("admissionWait: ");
    }

    @Test
    void shouldAcceptMillisecondsWhenDurationIsANumber() {
        String yaml = swap(base, "admissionWait: 30s", "admissionWait: 1500");

        assertThat(new PipelineLoader(NO_ENV).parse(yaml).admissionWait()).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void shouldApplyDefaultsWhenOptionalKeysAreOmitted() {
        String yaml = """
                pipeline: mini
                kafka: { bootstrapServers: "k:9092" }
                lanes: [ { name: only, topic: mini.tasks } ]
                handlers: { sim: { kind: simulated } }
                """;

        PipelineConfig config = new PipelineLoader(NO_ENV).parse(yaml);

        assertThat(config.redis().uri()).isEqualTo("redis://localhost:6379");
        assertThat(config.redis().commandTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.lanes().get(0).partitions()).isEqualTo(6);
        assertThat(config.lanes().get(0).maxInFlight()).isEqualTo(256);
        assertThat(config.retry()).isEqualTo(RetryConfig.defaults());
        assertThat(config.resultsTopic()).isEqualTo("mini.results");
        assertThat(config.deadLetterTopic()).isEqualTo("mini.dlq");
        assertThat(config.retryTopics()).containsExactly("mini.retry.1s", "mini.retry.10s", "mini.retry.1m");
        assertThat(config.maxTaskBytes()).isEqualTo(1_048_576);
        assertThat(config.keyPools()).isEmpty();
        assertThat(config.permits()).isEmpty();
        HandlerConfig sim = config.handlers().get("sim");
        assertThat(sim.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(sim.latency()).isEqualTo(Duration.ofMillis(20));
        assertThat(sim.method()).isEqualTo("POST");
        assertThat(sim.keyPool()).isNull();
        assertThat(sim.permits()).isNull();
    }

    @Test
    void shouldMapRedriveRulesWhenGiven() {
        String yaml = swap(base, "admissionWait: 30s", """
                admissionWait: 30s
                redriveInterval: 30s
                redrive:
                  - { reason: max-attempts, after: 10m, limit: 50 }
                  - { reason: expired, after: 1h, lane: low }
                """);

        PipelineConfig config = new PipelineLoader(NO_ENV).parse(yaml);

        assertThat(config.redriveInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.redrive()).containsExactly(
                new RedriveRule("max-attempts", Duration.ofMinutes(10), 50, null),
                new RedriveRule("expired", Duration.ofHours(1), RedriveRule.DEFAULT_LIMIT, "low"));
    }

    @Test
    void shouldKeepLedgerEntriesForADayUnlessTheFileSaysOtherwise() {
        assertThat(new PipelineLoader(NO_ENV).parse(base.replaceAll("(?m)^ledgerTtl: .*\n", "")).ledgerTtl())
                .as("the key omitted").isEqualTo(Duration.ofHours(24));
        assertThat(new PipelineLoader(NO_ENV).parse(swap(base, "ledgerTtl: 24h", "ledgerTtl: 15m"))
                .ledgerTtl()).isEqualTo(Duration.ofMinutes(15));
        assertThat(new PipelineLoader(NO_ENV).parse(swap(base, "ledgerTtl: 24h", "ledgerTtl: 0s"))
                .ledgerTtl()).isZero();
    }

    @Test
    void shouldHaveNoRedriveRulesWhenTheKeyIsOmitted() {
        PipelineConfig config = new PipelineLoader(NO_ENV).load(REFERENCE);

        assertThat(config.redrive()).isEmpty();
        assertThat(config.redriveInterval()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void shouldDefaultMaxAttemptsToTiersPlusOneWhenOmitted() {
        String yaml = swap(base, "maxAttempts: 4, ", "");

        assertThat(new PipelineLoader(NO_ENV).parse(yaml).retry().maxAttempts()).isEqualTo(4);
    }

    @Test
    void shouldHideSecretsWhenSettingsArePrinted() {
        String yaml = swap(base, "properties: {} }", "properties: { sasl.jaas.config: \"pw=hunter2\" } }");
        yaml = swap(yaml, "\"${HARVEST_REDIS_URI:-redis://localhost:6379}\"", "\"redis://:s3cret@host:6379\"");

        PipelineConfig config = new PipelineLoader(NO_ENV).parse(yaml);

        assertThat(config.kafka().toString()).contains("sasl.jaas.config").doesNotContain("hunter2");
        assertThat(config.redis().toString()).doesNotContain("s3cret");
        assertThat(config.keyPools().get(0).keys().get(1).toString()).doesNotContain("dev-only-inline");
    }

    // ---------------------------------------------------------------- helpers

    /** The reference pipeline file with {@code edits} (pairs of from, to) applied. */
    public static String edited(List<String> edits) throws IOException {
        String yaml = Files.readString(REFERENCE, StandardCharsets.UTF_8);
        for (int i = 0; i < edits.size(); i += 2) {
            yaml = swap(yaml, edits.get(i), edits.get(i + 1));
        }
        return yaml;
    }

    /** A file with {@code redrive: [ <rules> ]} added. */
    private static Arguments redrive(String expectedStart, String rules) {
        return bad(expectedStart, "admissionWait: 30s", "admissionWait: 30s\nredrive: [ " + rules + " ]");
    }

    private static Arguments bad(String expectedStart, String... edits) {
        return Arguments.of(expectedStart, List.of(edits));
    }

    /** Replaces the one occurrence of {@code from}; fails when it is absent, so an edit can never be a no-op. */
    private static String swap(String text, String from, String to) {
        int at = text.indexOf(from);
        assertThat(at).as("'%s' in the pipeline file", from).isNotNegative();
        return text.substring(0, at) + to + text.substring(at + from.length());
    }
}
