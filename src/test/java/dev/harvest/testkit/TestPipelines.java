package dev.harvest.testkit;

import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;
import java.util.concurrent.atomic.AtomicInteger;

/** Small pipelines for tests, each with a unique name so topics and application ids never collide. */
public final class TestPipelines {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private TestPipelines() {
    }

    /** A unique pipeline name with the given prefix. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    }

    /** The handlers section of a pipeline with one handler, {@code simulate}: 5 ms a call, no random failures. */
    public static final String SIMULATE_HANDLER = "  simulate: { kind: simulated, latency: 5ms, keyPool: pool, permits: calls }\n";

    /**
     * Two lanes (high, low), short retry delays, one key pool and one permit semaphore, and the given handlers
     * section (YAML lines under {@code handlers:}, indented by two spaces).
     */
    public static PipelineConfig twoLanes(String name, String bootstrap, String handlersYaml, int maxAttempts) {
        return twoLanes(name, bootstrap, handlersYaml, maxAttempts, 64);
    }

    /** The same with another {@code maxInFlight} for the high lane. */
    public static PipelineConfig twoLanes(String name, String bootstrap, String handlersYaml, int maxAttempts,
                                          int highMaxInFlight) {
        return twoLanes(name, bootstrap, handlersYaml, maxAttempts, highMaxInFlight, "1m");
    }

    /** The same with another {@code dedupeWindow} (a duration as the file writes it). */
    public static PipelineConfig twoLanes(String name, String bootstrap, String handlersYaml, int maxAttempts,
                                          int highMaxInFlight, String dedupeWindow) {
        return twoLanes(name, bootstrap, handlersYaml, maxAttempts, highMaxInFlight, dedupeWindow, "");
    }

    /** As above, with more top-level lines ({@code moreYaml}, e.g. {@code "ledgerTtl: 90s"}). */
    public static PipelineConfig twoLanes(String name, String bootstrap, String handlersYaml, int maxAttempts,
                                          int highMaxInFlight, String dedupeWindow, String moreYaml) {
        String yaml = """
                pipeline: %1$s
                kafka: { bootstrapServers: "%2$s" }
                lanes:
                  - { name: high, topic: %1$s.tasks.high, partitions: 2, maxInFlight: %5$d }
                  - { name: low,  topic: %1$s.tasks.low,  partitions: 2, maxInFlight: 32 }
                retry: { delays: [100ms, 300ms], maxAttempts: %3$d, jitter: 0.1 }
                maxTaskBytes: 4096
                dedupeWindow: %6$s
                admissionWait: 10s
                %7$s
                metricsPort: 0
                keyPools:
                  - { name: pool, maxConcurrentPerKey: 3, cooldownOn429: 200ms,
                      keys: [ { id: k1, secret: "secret-one-xyz" }, { id: k2, secret: "secret-two-xyz" } ] }
                permits:
                  - { name: calls, permits: 5, leaseTtl: 5s, reserved: { high: 1 } }
                handlers:
                %4$s
                """.formatted(name, bootstrap, maxAttempts, handlersYaml, highMaxInFlight, dedupeWindow, moreYaml);
        return new PipelineLoader(n -> null).parse(yaml);
    }
}
