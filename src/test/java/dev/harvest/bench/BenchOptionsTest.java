package dev.harvest.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {

    @Test
    void shouldRefuseWhatIsNotAJvmOptionOrABrokerInThisJvm() {
        assertThatThrownBy(() -> options(false, List.of("-Xmx2g", "Xss1m")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--broker-jvm-options: 'Xss1m' is not a JVM option");
        assertThatThrownBy(() -> options(true, List.of("-Xmx2g")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--broker-jvm-options needs the broker in a JVM of its own");
        assertThat(options(true, List.of()).brokerJvmOptions()).isEmpty();
    }

    private static BenchOptions options(boolean brokerInProcess, List<String> brokerJvmOptions) {
        return new BenchOptions(400, 100, 20, 50, 2, 500, "exactly_once_v2", false, 1, 0, brokerInProcess, 1, null, 0,
                brokerJvmOptions);
    }
}
