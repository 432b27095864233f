package dev.harvest.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Header values come from anyone who can write to a topic: reading them never throws. */
class HarvestHeadersTest {

    @ParameterizedTest
    @ValueSource(strings = {"+999999999-12-31T23:59:59Z", "-999999999-01-01T00:00:00Z", "not-a-time", "", "1e9"})
    void shouldReadAnInstantAsAbsentWhenItIsGarbageOrBeyondEpochMillis(String value) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(HarvestHeaders.FIRST_SEEN, value.getBytes(StandardCharsets.UTF_8));

        assertThat(HarvestHeaders.getInstant(headers, HarvestHeaders.FIRST_SEEN)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2030-01-01T00:00:00Z", "1893456000000"})
    void shouldReadAnInstantWhenItIsIsoOrEpochMillis(String value) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(HarvestHeaders.DUE_AT, value.getBytes(StandardCharsets.UTF_8));

        assertThat(HarvestHeaders.getInstant(headers, HarvestHeaders.DUE_AT)).isEqualTo(Instant.parse("2030-01-01T00:00:00Z"));
    }
}
