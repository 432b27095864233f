package dev.harvest.testkit;

import java.time.Duration;
import java.util.Map;

/**
 * The shape of a chaos scenario: its name, load, instances, limits, where the broker and Redis are, how the
 * provider behaves, and the instances' environment. Start from {@link #of} and change what the scenario needs.
 */
public record ChaosOptions(String scenario, int tasks, int instances, int permits, int perKey, Duration leaseTtl,
                           int maxAttempts, String retryDelays, String bootstrapServers, String redisUri,
                           double rpsPerKey, Duration medianLatency, double errorRate, Map<String, String> env) {

    /** Each lane's {@code maxInFlight}. */
    public static final int LANE_MAX_IN_FLIGHT = 64;

    /** 3,000 tasks, two instances, 16 permits, 6 calls per key, 3 s leases, 5% server errors, 8 attempts. */
    public static ChaosOptions of(String scenario, String bootstrapServers, String redisUri) {
        return new ChaosOptions(scenario, 3000, 2, 16, 6, Duration.ofSeconds(3), 8, "[200ms, 500ms]",
                bootstrapServers, redisUri, 2000, Duration.ofMillis(10), 0.05, Map.of());
    }

    /** Tasks one instance may have in flight at once: both lanes' {@code maxInFlight}. */
    public int inFlightPerInstance() {
        return 2 * LANE_MAX_IN_FLIGHT;
    }

    public ChaosOptions withTasks(int value) {
        return new ChaosOptions(scenario, value, instances, permits, perKey, leaseTtl, maxAttempts, retryDelays,
                bootstrapServers, redisUri, rpsPerKey, medianLatency, errorRate, env);
    }

    public ChaosOptions withInstances(int value) {
        return new ChaosOptions(scenario, tasks, value, permits, perKey, leaseTtl, maxAttempts, retryDelays,
                bootstrapServers, redisUri, rpsPerKey, medianLatency, errorRate, env);
    }

    public ChaosOptions withRetry(int attempts, String delays) {
        return new ChaosOptions(scenario, tasks, instances, permits, perKey, leaseTtl, attempts, delays,
                bootstrapServers, redisUri, rpsPerKey, medianLatency, errorRate, env);
    }

    public ChaosOptions withLatency(Duration median) {
        return new ChaosOptions(scenario, tasks, instances, permits, perKey, leaseTtl, maxAttempts, retryDelays,
                bootstrapServers, redisUri, rpsPerKey, median, errorRate, env);
    }

    public ChaosOptions withEnv(Map<String, String> value) {
        return new ChaosOptions(scenario, tasks, instances, permits, perKey, leaseTtl, maxAttempts, retryDelays,
                bootstrapServers, redisUri, rpsPerKey, medianLatency, errorRate, value);
    }

    /**
     * The pipeline file: two lanes of 4 partitions, a 6 s session timeout (a lost instance is noticed quickly),
     * one pool of two keys and one permit semaphore with 2 permits reserved for the high lane.
     */
    String pipelineYaml(String name, String providerUrl) {
        return """
                pipeline: %1$s
                kafka:
                  bootstrapServers: "%2$s"
                  properties: { session.timeout.ms: "6000", heartbeat.interval.ms: "1500" }
                redis: { uri: "%3$s" }
                lanes:
                  - { name: high, topic: %1$s.tasks.high, partitions: 4, maxInFlight: %10$d }
                  - { name: low,  topic: %1$s.tasks.low,  partitions: 4, maxInFlight: %10$d }
                retry: { delays: %9$s, maxAttempts: %8$d, jitter: 0.1 }
                admissionWait: 20s
                metricsPort: 0
                keyPools:
                  - { name: pool, maxConcurrentPerKey: %5$d, cooldownOn429: 200ms,
                      keys: [ { id: k1, secret: "chaos-secret-1" }, { id: k2, secret: "chaos-secret-2" } ] }
                permits:
                  - { name: calls, permits: %6$d, leaseTtl: %7$dms, reserved: { high: 2 } }
                handlers:
                  fetch: { kind: http, url: "%4$s", keyPool: pool, permits: calls, timeout: 5s }
                """.formatted(name, bootstrapServers, redisUri, providerUrl, perKey, permits, leaseTtl.toMillis(),
                maxAttempts, retryDelays, LANE_MAX_IN_FLIGHT);
    }
}
