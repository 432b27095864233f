package dev.harvest.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.config.KafkaSettings;
import dev.harvest.config.PipelineConfig;
import dev.harvest.testkit.TestPipelines;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class ClientPropertiesTest {

    private static final String HANDLERS = "  ok: { kind: simulated, latency: 1ms }";

    @Test
    void shouldLingerFiveMsByDefaultAndKeepThePipelineFilesLinger() {
        PipelineConfig base = TestPipelines.twoLanes("props", "localhost:9092", HANDLERS, 3);
        assertThat(resolved(base, Map.of()).getLong(ProducerConfig.LINGER_MS_CONFIG)).isEqualTo(5L);
        ProducerConfig own = resolved(base, Map.of(ProducerConfig.LINGER_MS_CONFIG, "40"));
        assertThat(own.getLong(ProducerConfig.LINGER_MS_CONFIG)).isEqualTo(40L);
    }

    @Test
    void shouldKeepEveryWriteAcknowledgedByAllReplicasAndIdempotentWhateverThePipelineFileSays() {
        PipelineConfig base = TestPipelines.twoLanes("props", "localhost:9092", HANDLERS, 3);
        ProducerConfig p = resolved(base, Map.of(ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false"));
        assertThat(p.getString(ProducerConfig.ACKS_CONFIG)).isEqualTo("-1");
        assertThat(p.getBoolean(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG)).isTrue();
    }

    private static ProducerConfig resolved(PipelineConfig base, Map<String, String> properties) {
        PipelineConfig config = base.withKafka(new KafkaSettings(base.kafka().bootstrapServers(), properties,
                base.kafka().replicationFactor(), base.kafka().processingGuarantee()));
        return new ProducerConfig(ClientProperties.producer(config));
    }
}
