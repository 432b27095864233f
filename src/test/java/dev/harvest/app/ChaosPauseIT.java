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
 * Chaos 2: {@code SIGSTOP} of one of two instances for longer than the lease TTL (3 s) and the session timeout
 * (6 s), then {@code SIGCONT}. The other instance takes its partitions and its leases expire; when it wakes up it
 * finds its leases lost and makes no call under them: no key is ever over its cap at the provider (the per-key cap
 * is the binding limit, so a call under a lost lease while the other instance fills the key would show), and the
 * stopped instance counts what it lost.
 */
@Tag("chaos")
class ChaosPauseIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final Duration PAUSE = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void shouldMakeNoCallUnderALostLeaseWhenAnInstanceIsStoppedPastItsLeasesAndSession() throws Exception {
        ChaosOptions options = ChaosOptions.of("pause", TestKafka.bootstrapServers(), REDIS.uri()).withTasks(4000);
        try (ChaosFixture chaos = ChaosFixture.start(options, dir)) {
            AppProcess paused = chaos.instance(0);
            chaos.produceAll();
            chaos.awaitEnded(0.25, Duration.ofSeconds(90));
            double lostBefore = paused.metricSum("harvest_leases_lost_total");
            chaos.faultNow();
            paused.suspend();
            ChaosFixture.lasting(PAUSE);
            paused.resume();

            chaos.awaitAllEnded(Duration.ofSeconds(120));

            await().alias("the woken instance has counted its lost leases").atMost(Duration.ofSeconds(10))
                    .until(() -> paused.metricSum("harvest_leases_lost_total") > lostBefore);
            System.out.printf("chaos pause: leases lost by the stopped instance %.0f%n",
                    paused.metricSum("harvest_leases_lost_total") - lostBefore);
            // What the stopped instance had in flight may be done again by the new owner of its tasks, and until
            // its lanes learn that their partitions are gone it may still start some of it with fresh leases.
            chaos.verify(options.inFlightPerInstance());
            assertThat(chaos.unexpectedDeadLetters()).as("only poison tasks dead-lettered").isEmpty();
            assertThat(paused.isAlive()).as("the stopped instance carries on after SIGCONT").isTrue();
        }
    }
}
