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
 * Chaos 6: a rolling restart of all three instances, one by one, while tasks keep arriving: each gets SIGTERM
 * (running attempts finish, the rest is handed back), exits by itself, starts again and is ready before the next
 * one goes.
 */
@Tag("chaos")
class ChaosRollingRestartIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    @TempDir
    Path dir;

    @Test
    void shouldEndEveryTaskOnceWithinLimitsWhenAllInstancesRestartOneByOneUnderLoad() throws Exception {
        ChaosOptions options = ChaosOptions.of("rolling", TestKafka.bootstrapServers(), REDIS.uri())
                .withTasks(3000).withInstances(3).withEnv(ChaosFixture.drainEnv(Duration.ofSeconds(10)));
        try (ChaosFixture chaos = ChaosFixture.start(options, dir)) {
            for (int i = 0; i < chaos.instanceCount(); i++) {
                AppProcess instance = chaos.instance(i);
                await().alias("instance " + i + " ready").atMost(Duration.ofSeconds(90)).until(instance::isReady);
            }
            chaos.produceOver(Duration.ofSeconds(60));
            chaos.awaitEnded(0.1, Duration.ofSeconds(60));
            chaos.faultNow();
            for (int i = 0; i < chaos.instanceCount(); i++) {
                int exit = chaos.instance(i).terminate(Duration.ofSeconds(40));
                // 143 = 128 + SIGTERM: the JVM's status after its shutdown hooks ran to the end.
                assertThat(exit).as("instance %d stopped by itself after SIGTERM", i).isIn(0, 143);
                AppProcess again = chaos.restart(i);
                await().alias("instance " + i + " ready again").atMost(Duration.ofSeconds(90)).until(again::isReady);
            }

            chaos.awaitAllEnded(Duration.ofSeconds(120));

            chaos.verify(options.permits());
            assertThat(chaos.unexpectedDeadLetters()).as("only poison tasks dead-lettered").isEmpty();
        }
    }
}
