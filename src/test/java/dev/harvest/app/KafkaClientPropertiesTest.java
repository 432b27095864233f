package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.config.KafkaSettings;
import dev.harvest.config.PipelineConfig;
import dev.harvest.testkit.TestPipelines;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class KafkaClientPropertiesTest {

    private static final String HANDLERS = "  ok: { kind: simulated, latency: 1ms }";

    @Test
    void shouldPollNoLongerThanTheDrainIntervalWhenIdle() {
        PipelineConfig config = TestPipelines.twoLanes("props", "localhost:9092", HANDLERS, 3);
        Properties p = KafkaClientProperties.streams(config, "props-high", Path.of("state"), null, 1,
                Duration.ofMillis(20));
        assertThat(p.getProperty(StreamsConfig.POLL_MS_CONFIG)).isEqualTo("20");
        assertThat(new StreamsConfig(p).getLong(StreamsConfig.POLL_MS_CONFIG)).isEqualTo(20L);
        assertThat(p.get(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG)).isEqualTo(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
    }

    @Test
    void shouldLetTheStreamThreadsProducersLingerBrieflyUnlessThePipelineFileSaysOtherwise() {
        PipelineConfig base = TestPipelines.twoLanes("props", "localhost:9092", HANDLERS, 3);
        Properties p = KafkaClientProperties.streams(base, "props-high", Path.of("state"), null, 1,
                Duration.ofMillis(20));
        assertThat(new StreamsConfig(p).getProducerConfigs("c").get(ProducerConfig.LINGER_MS_CONFIG))
                .as("not Kafka Streams' 100 ms").isEqualTo(5);

        for (String key : List.of("linger.ms", "producer.linger.ms")) {
            PipelineConfig config = base.withKafka(new KafkaSettings(base.kafka().bootstrapServers(),
                    Map.of(key, "40"), base.kafka().replicationFactor(), base.kafka().processingGuarantee()));
            Properties own = KafkaClientProperties.streams(config, "props-high", Path.of("state"), null, 1,
                    Duration.ofMillis(20));
            Object linger = new StreamsConfig(own).getProducerConfigs("c").get(ProducerConfig.LINGER_MS_CONFIG);
            assertThat(String.valueOf(linger)).as(key).isEqualTo("40");
        }
    }

    @Test
    void shouldCommitEvery50MsUnderExactlyOnceUnlessThePipelineFileSaysOtherwise() {
        PipelineConfig base = TestPipelines.twoLanes("props", "localhost:9092", HANDLERS, 3);
        assertThat(commitIntervalMs(base, Map.of(), "exactly_once_v2")).isEqualTo(50L);
        assertThat(commitIntervalMs(base, Map.of(), "at_least_once")).as("Kafka Streams' own default")
                .isEqualTo(30_000L);
        assertThat(commitIntervalMs(base, Map.of(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "200"), "exactly_once_v2"))
                .isEqualTo(200L);
    }

    private static long commitIntervalMs(PipelineConfig base, Map<String, String> properties, String guarantee) {
        PipelineConfig config = base.withKafka(new KafkaSettings(base.kafka().bootstrapServers(), properties,
                base.kafka().replicationFactor(), guarantee));
        Properties p = KafkaClientProperties.streams(config, "props-high", Path.of("state"), null, 1,
                Duration.ofMillis(20));
        return new StreamsConfig(p).getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG);
    }

    @Test
    void shouldKeepThePollTimeOfThePipelineFile() {
        PipelineConfig base = TestPipelines.twoLanes("props", "localhost:9092", HANDLERS, 3);
        PipelineConfig config = base.withKafka(new KafkaSettings(base.kafka().bootstrapServers(),
                Map.of(StreamsConfig.POLL_MS_CONFIG, "250"), base.kafka().replicationFactor(),
                base.kafka().processingGuarantee()));
        Properties p = KafkaClientProperties.streams(config, "props-high", Path.of("state"), null, 1,
                Duration.ofMillis(20));
        assertThat(p.getProperty(StreamsConfig.POLL_MS_CONFIG)).isEqualTo("250");
    }
}
