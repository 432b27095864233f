package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.devstack.LocalRedis;
import dev.harvest.testkit.ChaosFixture;
import dev.harvest.testkit.ChaosOptions;
import dev.harvest.testkit.TestKafka;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chaos 3: Redis (no persistence) is killed in the middle of the run, stays down for 5 s and comes back empty on
 * the same port. Admissions wait while it is down (nothing is dead-lettered for it); the instances write the
 * pipeline file's pools and their running leases back, and the limits and every other invariant hold.
 */
@Tag("chaos")
class ChaosRedisRestartIT {

    private static final Duration DOWN = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    @Test
    void shouldPauseAdmissionsAndRebuildLeasesWhenRedisRestartsEmptyMidRun() throws Exception {
        try (LocalRedis redis = LocalRedis.start()) {
            ChaosOptions options = ChaosOptions.of("redis", TestKafka.bootstrapServers(), redis.uri()).withTasks(4000);
            try (ChaosFixture chaos = ChaosFixture.start(options, dir)) {
                chaos.produceAll();
                chaos.awaitEnded(0.25, Duration.ofSeconds(90));
                chaos.faultNow();
                redis.kill();
                ChaosFixture.lasting(DOWN);
                redis.restart();

                chaos.awaitAllEnded(Duration.ofSeconds(120));

                // The idempotency ledger went with Redis's data: work done just before the kill whose result was
                // not yet routed may be done again.
                chaos.verify(options.inFlightPerInstance());
                assertThat(chaos.unexpectedDeadLetters()).as("nothing dead-lettered for Redis being down").isEmpty();
                for (int i = 0; i < chaos.instanceCount(); i++) {
                    assertThat(chaos.instance(i).isAlive()).as("instance %d kept running", i).isTrue();
                }
            }
        }
    }
}
