package dev.harvest.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A whole pipeline file ({@code topologies/*.yaml}), validated: every problem names its field.
 *
 * @param lanes          highest priority first
 * @param dedupeWindow   tasks with an idempotencyKey seen within this window are dropped as duplicates
 * @param admissionWait  how long a task may wait for a key and a permit before it goes the retry path
 * @param priority       {@code fifo} (lanes share by reservations only) or {@code strict} (lower lanes pause
 *                       while a higher lane is backlogged)
 * @param metricsPort    HTTP port of {@code /metrics} and {@code /health/*}; 0 picks a free port
 * @param priorityLag    lag thresholds of {@code priority: strict}
 * @param redrive        rules of the DLQ redrive job; empty for no job
 * @param redriveInterval time between two runs of the DLQ redrive job
 * @param batches        whether the batch tracker runs (task batches: one completion record per batch)
 * @param ledgerTtl      how long the idempotency ledger keeps a completed task's result in Redis (zero: no ledger)
 */
public record PipelineConfig(String pipeline, KafkaSettings kafka, RedisSettings redis, List<LaneConfig> lanes,
                             RetryConfig retry, String resultsTopic, String deadLetterTopic, Integer maxTaskBytes,
                             List<KeyPoolConfig> keyPools, List<PermitConfig> permits,
                             Map<String, HandlerConfig> handlers, Duration dedupeWindow, Duration admissionWait,
                             String priority, Integer metricsPort, PriorityLag priorityLag,
                             List<RedriveRule> redrive, Duration redriveInterval, Boolean batches, Duration ledgerTtl) {

    /** The idempotency ledger's default retention. */
    public static final Duration DEFAULT_LEDGER_TTL = Duration.ofHours(24);

    public PipelineConfig {
        Check.identifier("pipeline", pipeline);
        if (kafka == null) {
            throw new ConfigException("kafka", "is required");
        }
        redis = redis == null ? new RedisSettings("redis://localhost:6379", null) : redis;
        lanes = List.copyOf(Check.notEmpty("lanes", Check.noEmptyEntries("lanes", lanes)));
        retry = retry == null ? RetryConfig.defaults() : retry;
        resultsTopic = Check.topicName("resultsTopic", resultsTopic == null ? pipeline + ".results" : resultsTopic);
        deadLetterTopic = Check.topicName("deadLetterTopic", deadLetterTopic == null ? pipeline + ".dlq" : deadLetterTopic);
        maxTaskBytes = maxTaskBytes == null ? 1_048_576 : Check.positive("maxTaskBytes", maxTaskBytes);
        keyPools = keyPools == null ? List.of() : List.copyOf(Check.noEmptyEntries("keyPools", keyPools));
        permits = permits == null ? List.of() : List.copyOf(Check.noEmptyEntries("permits", permits));
        if (handlers == null || handlers.isEmpty()) {
            throw new ConfigException("handlers", "must not be empty");
        }
        handlers = Collections.unmodifiableMap(new LinkedHashMap<>(handlers));
        dedupeWindow = dedupeWindow == null ? Duration.ofMinutes(10) : Check.notNegative("dedupeWindow", dedupeWindow);
        admissionWait = admissionWait == null ? Duration.ofSeconds(30) : Check.positive("admissionWait", admissionWait);
        priority = priority == null ? "fifo" : priority;
        if (!priority.equals("fifo") && !priority.equals("strict")) {
            throw new ConfigException("priority", "must be fifo or strict, was '" + priority + "'");
        }
        metricsPort = metricsPort == null ? 8080 : metricsPort;
        if (metricsPort < 0 || metricsPort > 65535) {
            throw new ConfigException("metricsPort", "must be between 0 and 65535, was " + metricsPort);
        }
        priorityLag = priorityLag == null ? PriorityLag.defaults() : priorityLag;
        redrive = redrive == null ? List.of() : List.copyOf(Check.noEmptyEntries("redrive", redrive));
        redriveInterval = redriveInterval == null ? Duration.ofMinutes(1)
                : Check.positive("redriveInterval", redriveInterval);
        batches = batches != null && batches;
        ledgerTtl = ledgerTtl == null ? DEFAULT_LEDGER_TTL : Check.notNegative("ledgerTtl", ledgerTtl);
        if (!ledgerTtl.isZero() && ledgerTtl.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new ConfigException("ledgerTtl", "must be 0s (no ledger) or at least 1s, was " + ledgerTtl.toMillis() + "ms");
        }
        CrossChecks.run(pipeline, lanes, keyPools, permits, handlers, resultsTopic, deadLetterTopic, retryTopicsOf(pipeline, retry));
        CrossChecks.redrive(lanes, redrive);
    }

    private static List<String> retryTopicsOf(String pipeline, RetryConfig retry) {
        List<String> topics = new ArrayList<>();
        for (Duration d : retry.delays()) {
            topics.add(pipeline + ".retry." + Durations.format(d));
        }
        return topics;
    }

    /** True when lower lanes pause while a higher lane is backlogged. */
    public boolean strictPriority() {
        return priority.equals("strict");
    }

    /** One topic per retry delay, in tier order: {@code <pipeline>.retry.<delay>}. */
    public List<String> retryTopics() {
        return retryTopicsOf(pipeline, retry);
    }

    public Optional<LaneConfig> lane(String name) {
        return lanes.stream().filter(l -> l.name().equals(name)).findFirst();
    }

    /** Position of the lane in priority order (0 is the highest), or -1. */
    public int laneIndex(String name) {
        for (int i = 0; i < lanes.size(); i++) {
            if (lanes.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    public Optional<KeyPoolConfig> keyPool(String name) {
        return keyPools.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    public Optional<PermitConfig> permit(String name) {
        return permits.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** Every topic the pipeline reads or writes. */
    public Set<String> allTopics() {
        Set<String> topics = new HashSet<>();
        lanes.forEach(l -> topics.add(l.topic()));
        topics.addAll(retryTopics());
        topics.add(resultsTopic);
        topics.add(deadLetterTopic);
        if (batches) {
            topics.add(batchEventsTopic());
            topics.add(batchesTopic());
        }
        return topics;
    }

    /**
     * Checks that the batch tracker runs for this pipeline.
     *
     * @throws IllegalArgumentException saying how to turn it on, when it does not
     */
    public void requireBatches() {
        if (!batches) {
            throw new IllegalArgumentException("batches are not enabled for pipeline '" + pipeline
                    + "': set 'batches: true' in the pipeline file");
        }
    }

    /** Outcomes and declarations of batched tasks, keyed by batch id: {@code <pipeline>.batch-events}. */
    public String batchEventsTopic() {
        return pipeline + ".batch-events";
    }

    /** Progress and completion records of batches, keyed by batch id: {@code <pipeline>.batches}. */
    public String batchesTopic() {
        return pipeline + ".batches";
    }

    /** A copy with other Kafka settings (used by the embedded demo to point at its own broker). */
    public PipelineConfig withKafka(KafkaSettings newKafka) {
        return new PipelineConfig(pipeline, newKafka, redis, lanes, retry, resultsTopic, deadLetterTopic, maxTaskBytes,
                keyPools, permits, handlers, dedupeWindow, admissionWait, priority, metricsPort, priorityLag,
                redrive, redriveInterval, batches, ledgerTtl);
    }

    /** A copy with other Redis settings. */
    public PipelineConfig withRedis(RedisSettings newRedis) {
        return new PipelineConfig(pipeline, kafka, newRedis, lanes, retry, resultsTopic, deadLetterTopic, maxTaskBytes,
                keyPools, permits, handlers, dedupeWindow, admissionWait, priority, metricsPort, priorityLag,
                redrive, redriveInterval, batches, ledgerTtl);
    }

    /** A copy with another metrics port. */
    public PipelineConfig withMetricsPort(int port) {
        return new PipelineConfig(pipeline, kafka, redis, lanes, retry, resultsTopic, deadLetterTopic, maxTaskBytes,
                keyPools, permits, handlers, dedupeWindow, admissionWait, priority, port, priorityLag,
                redrive, redriveInterval, batches, ledgerTtl);
    }
}
