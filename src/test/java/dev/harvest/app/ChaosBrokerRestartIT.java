package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.devstack.EmbeddedKafka;
import dev.harvest.testkit.ChaosFixture;
import dev.harvest.testkit.ChaosOptions;
import dev.harvest.testkit.RedisServerExtension;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chaos 4: the (single) broker is stopped in the middle of the run and started again 5 s later on the same log
 * directory and port. The instances ride it out; every task ends exactly once within the limits.
 */
@Tag("chaos")
class ChaosBrokerRestartIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final Duration DOWN = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    @Test
    void shouldEndEveryTaskOnceWithinLimitsWhenTheBrokerRestartsMidRun() throws Exception {
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), false, 0)) {
            ChaosOptions options = ChaosOptions.of("broker", broker.bootstrapServers(), REDIS.uri()).withTasks(3000);
            try (ChaosFixture chaos = ChaosFixture.start(options, dir.resolve("run"))) {
                chaos.produceAll();
                chaos.awaitEnded(0.25, Duration.ofSeconds(90));
                chaos.faultNow();
                broker.stop();
                ChaosFixture.lasting(DOWN);
                broker.restart();

                chaos.awaitAllEnded(Duration.ofSeconds(120));

                chaos.verify(options.inFlightPerInstance());
                assertThat(chaos.unexpectedDeadLetters()).as("only poison tasks dead-lettered").isEmpty();
                for (int i = 0; i < chaos.instanceCount(); i++) {
                    assertThat(chaos.instance(i).isAlive()).as("instance %d kept running", i).isTrue();
                }
            }
        }
    }
}
