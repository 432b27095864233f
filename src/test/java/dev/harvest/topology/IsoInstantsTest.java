package dev.harvest.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Instants in headers and results read and write exactly as the JDK's {@code Instant} does. */
class IsoInstantsTest {

    @Test
    void shouldWriteAndReadWhatTheJdkWritesAndReadsForAnyInstant() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            long second = random.nextLong(-70_000_000_000L, 260_000_000_000L);
            int nano = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1000;
                default -> random.nextInt(1_000_000_000);
            };
            Instant instant = Instant.ofEpochSecond(second, nano);
            String text = IsoInstants.format(instant);

            assertThat(text).isEqualTo(instant.toString());
            assertThat(IsoInstants.parse(text)).isEqualTo(instant);
        }
    }

    @Test
    void shouldWriteEpochMillisAsInstantDoes() {
        SplittableRandom random = new SplittableRandom(11);
        for (long millis : new long[] {0, -1, 1, 999, -999, -1000, 1_000, Long.MIN_VALUE, Long.MAX_VALUE}) {
            assertThat(IsoInstants.format(millis)).isEqualTo(Instant.ofEpochMilli(millis).toString());
        }
        for (int i = 0; i < 100_000; i++) {
            long millis = random.nextLong(-80_000_000_000_000L, 300_000_000_000_000L);
            assertThat(IsoInstants.format(millis)).isEqualTo(Instant.ofEpochMilli(millis).toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"2030-01-01T00:00:00.5Z", "2030-01-01T00:00:00.1234Z", "2030-01-01T00:00:00.000000001Z",
            "2030-01-01T10:15:30+01:00", "2030-01-01t00:00:00z", "2016-12-31T23:59:60Z", "+12030-01-01T00:00:00Z",
            "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "2030-01-01T24:00:00Z", "2030-01-01T00:00:00.Z"})
    void shouldReadTheOtherFormsTheJdkAccepts(String text) {
        assertThat(IsoInstants.parse(text)).isEqualTo(Instant.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2030-02-30T00:00:00Z", "2030-13-01T00:00:00Z", "2030-01-01T00:60:00Z",
            "2030-01-01T00:00:00.1234567890Z", "2030-01-0aT00:00:00Z",
            "2030-01-01 00:00:00Z", "2030-01-01T00:00:00", "", "tomorrow"})
    void shouldRefuseWhatTheJdkRefusesWithItsError(String text) {
        assertThatThrownBy(() -> Instant.parse(text)).isInstanceOf(DateTimeParseException.class);
        assertThatThrownBy(() -> IsoInstants.parse(text)).isInstanceOf(DateTimeParseException.class);
    }
}
