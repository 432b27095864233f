package dev.harvest.lease.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.lease.redis.AdmissionBench.Result;
import dev.harvest.lease.redis.AdmissionBench.Scenario;
import dev.harvest.lease.redis.AdmissionOptions.WakeUp;
import dev.harvest.testkit.RedisServerExtension;
import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The closed-loop admission benchmark against a real Redis, on a short contended scenario. */
class AdmissionBenchIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    @ParameterizedTest
    @EnumSource(WakeUp.class)
    void shouldStayUnderTheCapacityLimitAndCountItsRoundTripsWhenClaimersContend(WakeUp wakeUp) {
        // 64 claimers on two instances for 16 leases (4 keys x 4) held 20 ms each: at most 800 tasks a second.
        Scenario s = new Scenario("contended", 2, 64, 4, 4, 16, 20_000, wakeUp, Duration.ofSeconds(2));

        Result r = AdmissionBench.run(REDIS.settings(), s);

        assertThat(r.tasksPerSecond()).isBetween(200.0, 16 / 0.020 * 1.05);
        assertThat(r.callsPerTask()).as("script calls per task").isGreaterThan(0.0);
        assertThat(r.meanWaitMillis()).as("64 claimers for 16 leases queue").isGreaterThan(20.0);
        assertThat(r.maxWaitMillis()).isGreaterThanOrEqualTo(r.meanWaitMillis());
    }
}
