package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.testkit.AppProcess;
import dev.harvest.testkit.ChaosFixture;
import dev.harvest.testkit.ChaosOptions;
import dev.harvest.testkit.RedisServerExtension;
import dev.harvest.testkit.TestKafka;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chaos 1: {@code kill -9} of one of two instances in the middle of the run, then again while it is starting up
 * (before its lanes run). The survivor takes over; every task still ends exactly once within the limits.
 */
@Tag("chaos")
class ChaosKillIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    @TempDir
    Path dir;

    @Test
    void shouldEndEveryTaskOnceWithinLimitsWhenAnInstanceIsKilledMidRunAndDuringItsRestart() throws Exception {
        ChaosOptions options = ChaosOptions.of("kill", TestKafka.bootstrapServers(), REDIS.uri()).withTasks(4000);
        try (ChaosFixture chaos = ChaosFixture.start(options, dir)) {
            chaos.produceAll();
            chaos.awaitEnded(0.25, Duration.ofSeconds(90));
            chaos.faultNow();
            chaos.instance(0).kill();
            AppProcess restarting = chaos.restart(0);
            await().alias("the restarted instance is starting up").atMost(Duration.ofSeconds(60))
                    .until(() -> restarting.metricsPort() > 0);
            assertThat(restarting.isReady()).as("killed again before its lanes run").isFalse();
            restarting.kill();
            chaos.restart(0);

            chaos.awaitAllEnded(Duration.ofSeconds(120));

            // Work in flight at each kill may be done again by the new owner: at most every permit, twice.
            chaos.verify(2 * options.permits());
            assertThat(chaos.unexpectedDeadLetters()).as("only poison tasks dead-lettered").isEmpty();
            assertThat(chaos.instance(1).isAlive()).as("the survivor kept running").isTrue();
        }
    }
}
