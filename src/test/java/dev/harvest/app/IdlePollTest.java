package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class IdlePollTest {

    @Test
    void shouldWakeAnIdleLaneAsOftenAsItsDrainRunsAndTheOtherAppsLessOften() {
        AppOptions options = AppOptions.defaults(Path.of("state"));

        // A stream thread's punctuators fire only when it wakes: a finished call waits for the lane's next wake.
        assertThat(options.drainInterval()).isEqualTo(Duration.ofMillis(5));
        assertThat(HarvestApp.idlePoll(true, options)).isEqualTo(options.drainInterval());
        assertThat(HarvestApp.idlePoll(false, options)).isEqualTo(Duration.ofMillis(20));
    }
}
