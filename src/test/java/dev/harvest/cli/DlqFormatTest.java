package dev.harvest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.harvest.app.dlq.DeadLetter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How {@code harvest dlq} prints, without a broker. */
class DlqFormatTest {

    private static final DeadLetter LETTER = new DeadLetter("p.dlq", 2, 41, "t-9", "t-9", "fetch", "high",
            "max-attempts", 4, Instant.parse("2030-01-01T00:00:00.123Z"), "x".repeat(300),
            Map.of("harvest.dlq.reason", "max-attempts"), List.of(), "t-9".getBytes(StandardCharsets.UTF_8),
            "{\"id\":\"t-9\",\"type\":\"fetch\",\"payload\":{\"q\":1}}".getBytes(StandardCharsets.UTF_8));

    @Test
    void shouldFitEachLineInWidthWhenErrorIsLong() {
        StringWriter text = new StringWriter();
        DlqFormat.table(new PrintWriter(text), List.of(LETTER), 140);
        List<String> lines = text.toString().lines().toList();
        assertThat(lines.get(0)).startsWith("PART OFFSET");
        assertThat(lines.get(1)).contains("2", "41", "t-9", "fetch", "high", "max-attempts", "2030-01-01T00:00:00Z")
                .endsWith("...").hasSizeLessThanOrEqualTo(140);
        assertThat(lines.get(2)).isEqualTo("1 dead letter");
    }

    @Test
    void shouldEmbedValueAsJsonWhenValueIsJson() throws Exception {
        JsonNode line = new ObjectMapper().readTree(DlqFormat.jsonLine(LETTER));
        assertThat(line.path("value").path("payload").path("q").asInt()).isEqualTo(1);
        assertThat(line.path("headers").path("harvest.dlq.reason").asText()).isEqualTo("max-attempts");
        assertThat(line.path("offset").asLong()).isEqualTo(41);
    }

    @Test
    void shouldPrintBase64WhenValueIsNotUtf8() throws Exception {
        DeadLetter binary = new DeadLetter("p.dlq", 0, 1, null, null, null, null, null, -1, Instant.EPOCH, null,
                Map.of(), List.of(), null, new byte[] {(byte) 0xff, (byte) 0xfe});
        StringWriter text = new StringWriter();
        DlqFormat.show(new PrintWriter(text), binary);
        assertThat(text.toString()).contains("value:", "base64://4=");
    }
}
