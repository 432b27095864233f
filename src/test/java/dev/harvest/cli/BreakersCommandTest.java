package dev.harvest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.app.BreakerBoard;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class BreakersCommandTest {

    private static final long NOW = 1_000_000_000L;

    @Test
    void shouldShowStateRatesAndAgePerHandlerAndInstanceWhenRowsArePublished() throws IOException {
        String out = print(List.of(
                new BreakerBoard.Row("fetch", "pod-a-1234", "open", 80.0, -1, NOW - 2_000),
                new BreakerBoard.Row("fetch", "pod-b-5678", "closed", 0.0, 0.0, NOW - 60_000)), false);

        assertThat(out.lines().toList()).hasSize(3);
        assertThat(out.lines().skip(1).findFirst().orElseThrow())
                .contains("fetch", "pod-a-1234", "open", "80.0%", "-", "2s ago");
        assertThat(out.lines().skip(2).findFirst().orElseThrow()).contains("pod-b-5678", "closed", "stale");
    }

    @Test
    void shouldPrintOneJsonObjectPerRowWhenJsonIsAsked() throws IOException {
        String out = print(List.of(new BreakerBoard.Row("fetch", "pod-a", "half-open", 50.0, 10.0, NOW - 1_000)),
                true);

        assertThat(out.strip()).isEqualTo("{\"handler\":\"fetch\",\"instance\":\"pod-a\",\"state\":\"half-open\","
                + "\"failureRate\":50.0,\"slowCallRate\":10.0,\"ageMs\":1000,\"stale\":false}");
    }

    @Test
    void shouldSaySoWhenNoInstancePublished() throws IOException {
        assertThat(print(List.of(), false)).startsWith("no breaker states published");
    }

    private static String print(List<BreakerBoard.Row> rows, boolean json) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BreakersCommand.print(rows, NOW, json, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
