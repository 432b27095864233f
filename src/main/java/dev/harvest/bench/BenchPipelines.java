package dev.harvest.bench;

import dev.harvest.config.KafkaSettings;
import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;

/** The pipelines the benchmark runs: one lane, a simulated handler, limits set by the workload options. */
final class BenchPipelines {

    private BenchPipelines() {
    }

    /** A lane of {@code maxInFlight} on {@code stack}'s cluster and Redis, under {@code o}'s guarantee. */
    static PipelineConfig permitBound(String name, BenchStack stack, BenchOptions o, long latencyMs, int maxInFlight) {
        int keys = Math.max(1, (o.permits() + 99) / 100);
        StringBuilder keyList = new StringBuilder();
        for (int i = 0; i < keys; i++) {
            keyList.append(i == 0 ? "" : ", ").append("{ id: k").append(i).append(", secret: \"bench-").append(i)
                    .append("\" }");
        }
        String yaml = """
                pipeline: %1$s
                kafka: { bootstrapServers: "%2$s", processingGuarantee: %8$s }
                redis: { uri: "%3$s" }
                lanes:
                  - { name: main, topic: %1$s.tasks, partitions: %4$d, maxInFlight: %5$d }
                retry: { delays: [1s], maxAttempts: 3, jitter: 0.1 }
                dedupeWindow: %10$dms
                admissionWait: 60s
                metricsPort: 0
                keyPools:
                  - { name: pool, maxConcurrentPerKey: 100, cooldownOn429: 1s, keys: [ %6$s ] }
                permits:
                  - { name: permits, permits: %7$d, leaseTtl: 30s }
                handlers:
                  work: { kind: simulated, latency: %9$dms, keyPool: pool, permits: permits, timeout: 120s }
                """.formatted(name, "placeholder:9092", "redis://placeholder:6379", o.partitions(), maxInFlight, keyList,
                o.permits(), o.guarantee(), latencyMs, o.dedupeWindow().toMillis());
        // The stack's settings may hold secrets (SASL, Redis passwords): set on the parsed file, not written into it.
        KafkaSettings kafka = stack.kafka();
        return new PipelineLoader(n -> null).parse(yaml).withKafka(new KafkaSettings(kafka.bootstrapServers(),
                kafka.properties(), kafka.replicationFactor(), o.guarantee())).withRedis(stack.redis());
    }
}
