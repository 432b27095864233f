package dev.harvest.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest(name = "{0} = {1}ms")
    @CsvSource({
        "0ms, 0",
        "20ms, 20",
        "1500ms, 1500",
        "1s, 1000",
        "30s, 30000",
        "1m, 60000",
        "10m, 600000",
        "2h, 7200000",
        "1d, 86400000",
        "' 30s ', 30000",
        "PT30S, 30000",
        "PT1M30S, 90000",
        "PT0.25S, 250",
        "P1D, 86400000",
    })
    void shouldParseShortAndIsoFormsWhenTextIsValid(String text, long millis) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "30", "1.5s", "-1s", "10 s", "30 seconds", "1S", "1M", "ms", "s1", "PT"})
    void shouldRejectWithReadableMessageWhenTextIsNotADuration(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a duration: '" + text + "' (use e.g. 500ms, 30s, 1m, 2h)");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   "})
    void shouldRejectWhenTextIsEmpty(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("empty duration");
    }

    @ParameterizedTest(name = "{0}ms -> {1}")
    @CsvSource({
        "0, 0ms",
        "1, 1ms",
        "999, 999ms",
        "1000, 1s",
        "1500, 1500ms",
        "10000, 10s",
        "60000, 1m",
        "90000, 90s",
        "3600000, 1h",
        "5400000, 90m",
        "86400000, 1d",
        "172800000, 2d",
        "-1000, -1s",
    })
    void shouldPrintShortestExactFormWhenFormatting(long millis, String expected) {
        assertThat(Durations.format(Duration.ofMillis(millis))).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 250, 1000, 1500, 60_000, 61_000, 3_600_000, 86_400_000, 90_061_001})
    void shouldRoundTripWhenFormattedDurationIsParsed(long millis) {
        Duration d = Duration.ofMillis(millis);

        assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
    }

    @ParameterizedTest
    @ValueSource(strings = {"99999999999999999999s", "9999999999999999d"})
    void shouldFailWhenNumberIsTooLarge(String text) {
        // Not a silent wrap-around: the loader turns whatever is thrown into a field-named error.
        assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(RuntimeException.class);
    }
}
