package dev.harvest.bench;

import dev.harvest.config.KafkaSettings;
import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;
import dev.harvest.config.RedisSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A Kafka cluster and a Redis the benchmark runs against instead of starting its own: those of a pipeline file
 * (with their client settings, such as SASL, TLS and passwords), or a bootstrap address and a Redis URI. The
 * benchmark's topics, consumer groups and Redis keys there carry a name of the run's own and are removed when it
 * ends.
 *
 * @param kafka the cluster and its client settings; its processing guarantee is the benchmark's {@code --guarantee}
 * @param redis the Redis server
 */
public record BenchTarget(KafkaSettings kafka, RedisSettings redis) {

    public BenchTarget {
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(redis, "redis");
    }

    /** A cluster reached with no client settings but its address, and Redis at {@code redisUri}. */
    public static BenchTarget of(String bootstrapServers, String redisUri) {
        return new BenchTarget(new KafkaSettings(bootstrapServers, Map.of(), -1, null),
                new RedisSettings(redisUri, Duration.ofSeconds(2)));
    }

    /** The {@code kafka} and {@code redis} sections of a pipeline file; its lanes, handlers and limits are not used. */
    public static BenchTarget of(Path pipelineFile) {
        PipelineConfig config = new PipelineLoader().load(pipelineFile);
        return new BenchTarget(config.kafka(), config.redis());
    }

}
