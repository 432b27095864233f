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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chaos 2: {@code SIGSTOP} of one of two instances for longer than the lease TTL (3 s) and the session timeout
 * (6 s), then {@code SIGCONT}. The other instance takes its partitions and its leases expire; when it wakes up it
 * counts its leases lost and starts no call under them. The per-key cap is the binding limit, so a call under a
 * lost lease while the other instance fills the key shows at the provider as a key over its cap.
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
        // Calls of 30 ms: the stopped instance is all but sure to hold leases at the moment it stops.
        ChaosOptions options = ChaosOptions.of("pause", TestKafka.bootstrapServers(), REDIS.uri()).withTasks(4000)
                .withLatency(Duration.ofMillis(30));
        try (ChaosFixture chaos = ChaosFixture.start(options, dir)) {
            AppProcess paused = chaos.instance(0);
            chaos.produceAll();
            chaos.awaitEnded(0.25, Duration.ofSeconds(90));
            double lostBefore = lostLeases(paused);
            // Leases held, not only attempts in flight: attempts that all wait for a permit would lose nothing.
            await().alias("the instance to stop holds leases").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> paused.metricSum("harvest_admission_leases_held") > 0);
            chaos.faultNow();
            paused.suspend();
            ChaosFixture.lasting(PAUSE);
            paused.resume();

            chaos.awaitAllEnded(Duration.ofSeconds(120));

            double lost = lostLeases(paused) - lostBefore;
            System.out.printf("chaos pause: leases lost by the stopped instance %.0f%n", lost);
            assertThat(lost).as("leases the stopped instance counted as lost").isPositive();
            // What the stopped instance had in flight may be done again by the new owner of its tasks, and until
            // its lanes learn that their partitions are gone it may still start some of it with fresh leases.
            // No call starts, nor sends its body, under a lease known to be lost; a request already on its way out
            // when the process froze still arrives after the wake-up (only the provider could refuse it): at most
            // one per lease the instance lost.
            chaos.verify(options.inFlightPerInstance(), (int) lost);
            assertThat(chaos.unexpectedDeadLetters()).as("only poison tasks dead-lettered").isEmpty();
            assertThat(paused.isAlive()).as("the stopped instance carries on after SIGCONT").isTrue();
        }
    }

    /** The instance's {@code harvest_leases_lost_total}, read again while its metrics do not answer. */
    private static double lostLeases(AppProcess instance) {
        AtomicReference<Double> value = new AtomicReference<>(Double.NaN);
        await().alias("lost-lease counter read").atMost(Duration.ofSeconds(20)).until(() -> {
            value.set(instance.metricSum("harvest_leases_lost_total"));
            return !value.get().isNaN();
        });
        return value.get();
    }
}
