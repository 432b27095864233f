package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.config.KafkaSettings;
import dev.harvest.config.PipelineConfig;
import dev.harvest.testkit.TestPipelines;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
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
