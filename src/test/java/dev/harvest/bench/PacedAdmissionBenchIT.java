package dev.harvest.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.bench.PacedAdmissionBench.Result;
import dev.harvest.bench.PacedAdmissionBench.Scenario;
import dev.harvest.testkit.RedisServerExtension;
import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The paced admission benchmark, held in the process and through a real Redis, on small scenarios. */
class PacedAdmissionBenchIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    @ParameterizedTest(name = "redis={0}")
    @ValueSource(booleans = {false, true})
    void shouldGrantEveryTaskOfferedWithinCapacityAndReportItsWaits(boolean redis) {
        // 1,000 tasks/s for 20 permits held 10 ms (capacity 2,000/s), pausing 13 ms every 70 ms.
        Scenario s = new Scenario(redis, 1000, 20, 10_000, 70, 13, Duration.ofMillis(500), Duration.ofSeconds(2));

        Result r = PacedAdmissionBench.run(REDIS.settings(), s);

        assertThat(r.notGranted()).isZero();
        assertThat(r.tasks()).isBetween(1800L, 2100L);
        assertThat(r.grantedPerSec()).isBetween(900.0, 1050.0);
        assertThat(r.p50WaitMs()).isLessThanOrEqualTo(r.p99WaitMs());
        assertThat(r.p99WaitMs()).isLessThanOrEqualTo(r.maxWaitMs());
        assertThat(r.meanWaitMs()).isBetween(0.0, r.maxWaitMs());
        if (redis) {
            // Half the permits idle: most tasks find nobody waiting, so their leases go back to Redis.
            assertThat(r.callsPerTask()).as("at most one acquire and one release call per task").isBetween(0.0001, 2.0);
        } else {
            assertThat(r.callsPerTask()).isZero();
        }
    }

    @ParameterizedTest(name = "redis={0}")
    @ValueSource(booleans = {false, true})
    void shouldMeasureTheQueueWhenTasksComeFasterThanPermitsFree(boolean redis) {
        // 1,000 tasks in 1 s for 10 permits held 20 ms: 500 a second can run, so the last ones wait about a second.
        Scenario s = new Scenario(redis, 1000, 10, 20_000, 70, 0, Duration.ZERO, Duration.ofSeconds(1));

        Result r = PacedAdmissionBench.run(REDIS.settings(), s);

        assertThat(r.notGranted()).isZero();
        assertThat(r.tasks()).isBetween(950L, 1000L);
        assertThat(r.p99WaitMs()).isGreaterThan(800.0);
        assertThat(r.meanWaitMs()).isGreaterThan(300.0);
    }
}
