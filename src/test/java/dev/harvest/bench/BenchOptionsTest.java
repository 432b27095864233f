package dev.harvest.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {

    private static final BenchTarget CLUSTER = BenchTarget.of("kafka-1:9092", "redis://redis:6379");

    @Test
    void shouldRefuseWhatIsNotAJvmOptionOrABrokerInThisJvm() {
        assertThatThrownBy(() -> options(false, List.of("-Xmx2g", "Xss1m"), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--broker-jvm-options: 'Xss1m' is not a JVM option");
        assertThatThrownBy(() -> options(true, List.of("-Xmx2g"), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--broker-jvm-options needs the broker in a JVM of its own");
        assertThat(options(true, List.of(), null).brokerJvmOptions()).isEmpty();
    }

    @Test
    void shouldRefuseSettingsOfTheBenchmarksOwnBrokerWhenRunOnAClusterOfTheUsers() {
        assertThatThrownBy(() -> options(true, List.of(), CLUSTER)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--broker-in-process is for the broker the benchmark starts");
        assertThatThrownBy(() -> options(false, List.of("-Xmx2g"), CLUSTER)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--broker-jvm-options is for the broker the benchmark starts");
        assertThat(options(false, List.of(), CLUSTER).withInFlight(1000).target()).as("kept for the memory scenario")
                .isEqualTo(CLUSTER);
    }

    @Test
    void shouldGiveTasksKeysOnlyWithADedupeWindow() throws Exception {
        BenchOptions none = options(false, List.of(), null);
        assertThat(none.dedupeWindow()).isZero();
        BenchOptions keyed = new BenchOptions(400, 100, 20, 50, 2, 500, "exactly_once_v2", false, 1, 0, false, 1, null,
                0, List.of(), null, Duration.ofMinutes(10));
        assertThat(keyed.withInFlight(1000).dedupeWindow()).isEqualTo(Duration.ofMinutes(10));
        assertThatThrownBy(() -> new BenchOptions(400, 100, 20, 50, 2, 500, "exactly_once_v2", false, 1, 0, false, 1,
                null, 0, List.of(), null, Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--dedupe-window must not be negative");

        ObjectMapper json = new ObjectMapper();
        assertThat(json.readTree(BenchRunner.taskJson("p0-7", true)).get("idempotencyKey").asText()).isEqualTo("p0-7");
        assertThat(json.readTree(BenchRunner.taskJson("p0-7", false)).has("idempotencyKey")).isFalse();
        assertThat(json.readTree(BenchRunner.taskJson("p0-7", false)).get("id").asText()).isEqualTo("p0-7");
    }

    private static BenchOptions options(boolean brokerInProcess, List<String> brokerJvmOptions, BenchTarget target) {
        return new BenchOptions(400, 100, 20, 50, 2, 500, "exactly_once_v2", false, 1, 0, brokerInProcess, 1, null, 0,
                brokerJvmOptions, target, null);
    }
}
