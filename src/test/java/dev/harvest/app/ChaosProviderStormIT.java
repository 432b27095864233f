package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.devstack.MockProvider;
import dev.harvest.testkit.ChaosFixture;
import dev.harvest.testkit.ChaosOptions;
import dev.harvest.testkit.RedisServerExtension;
import dev.harvest.testkit.TestKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chaos 5: the provider slows down tenfold for 10 s, then answers 429 (Retry-After: 1) to every call for 30 s.
 * Backpressure keeps each instance's in-flight attempts within its lanes' caps; the keys cool down, so the
 * instances do not hammer the provider; no task is dead-lettered for rate limiting unless it used up
 * {@code maxAttempts}.
 */
@Tag("chaos")
class ChaosProviderStormIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final Duration SLOW = Duration.ofSeconds(10);
    private static final Duration STORM = Duration.ofSeconds(30);
    private static final int KEYS = 2;

    @TempDir
    Path dir;

    @Test
    void shouldHoldInFlightAndCoolKeysDownWhenProviderSlowsDownThenRateLimitsEverything() throws Exception {
        ChaosOptions options = ChaosOptions.of("storm", TestKafka.bootstrapServers(), REDIS.uri()).withTasks(3000)
                .withRetry(10, "[500ms, 2s]");
        try (ChaosFixture chaos = ChaosFixture.start(options, dir)) {
            MockProvider provider = chaos.provider();
            chaos.produceAll();
            chaos.awaitEnded(0.1, Duration.ofSeconds(90));
            AtomicLong maxInFlight = new AtomicLong();
            AtomicLong maxHeapMb = new AtomicLong();
            ChaosFixture.Sampler sampler = () -> {
                for (int i = 0; i < chaos.instanceCount(); i++) {
                    double inFlight = chaos.instance(i).metricSum("harvest_inflight");
                    double heap = chaos.instance(i).metricSum("jvm_memory_used_bytes{area=\"heap\"");
                    maxInFlight.accumulateAndGet(Double.isNaN(inFlight) ? 0 : (long) inFlight, Math::max);
                    maxHeapMb.accumulateAndGet(Double.isNaN(heap) ? 0 : (long) (heap / 1e6), Math::max);
                }
            };

            provider.faults().slowDown(10);
            chaos.during(SLOW, sampler);
            long limitedBefore = rateLimited(provider);
            provider.faults().refuseAllFor(STORM);
            chaos.during(STORM, sampler);
            long limitedInStorm = rateLimited(provider) - limitedBefore;
            provider.faults().slowDown(1);
            chaos.faultNow();

            chaos.awaitAllEnded(Duration.ofSeconds(120));

            System.out.printf("chaos storm: 429s in the storm %d, max in flight per instance %d/%d, max heap %d MB%n",
                    limitedInStorm, maxInFlight.get(), options.inFlightPerInstance(), maxHeapMb.get());
            chaos.verify(options.permits());
            assertThat(maxInFlight.get()).as("attempts in flight per instance (backpressure)")
                    .isLessThanOrEqualTo(options.inFlightPerInstance());
            // A key cools down for the Retry-After after a 429: per key, at most its cap of calls per second.
            long coolingBound = (long) KEYS * options.perKey() * (STORM.toSeconds() + 1);
            assertThat(limitedInStorm).as("calls answered 429 while everything was refused").isPositive()
                    .isLessThanOrEqualTo(coolingBound);
            assertThat(chaos.unexpectedDeadLetters()).as("dead-lettered for rate limiting only after maxAttempts")
                    .allSatisfy(d -> assertThat(Integer.parseInt(d.split(" ")[1]))
                            .isGreaterThanOrEqualTo(options.maxAttempts()));
        }
    }

    private static long rateLimited(MockProvider provider) {
        return provider.keyStats().values().stream().mapToLong(MockProvider.KeyStats::rateLimited).sum();
    }
}
