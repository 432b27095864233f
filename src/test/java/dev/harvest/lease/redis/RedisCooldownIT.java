package dev.harvest.lease.redis;

import static dev.harvest.lease.redis.AdmissionFixtures.HIGH;
import static dev.harvest.lease.redis.AdmissionFixtures.join;
import static dev.harvest.lease.redis.AdmissionFixtures.pool;
import static dev.harvest.lease.redis.AdmissionFixtures.setup;
import static dev.harvest.lease.redis.AdmissionFixtures.uniquePipeline;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.lease.Lease;
import dev.harvest.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisCooldownIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final Duration RETRY_AFTER = Duration.ofSeconds(2);

    private final AdmissionFixtures fx = new AdmissionFixtures();

    @AfterEach
    void closeAll() throws Exception {
        fx.close();
    }

    @Test
    void shouldNotHandOutKeyToAnyInstanceWhileItCoolsDownAfter429() {
        AdmissionSetup setup = setup(uniquePipeline("cool"), List.of(pool("api", 1, Duration.ofMillis(100), "k1", "k2")), List.of());
        List<RedisAdmissionControl> instances = List.of(fx.control(fx.clients(REDIS.settings()), setup),
                fx.control(fx.clients(REDIS.settings()), setup));
        Lease limited = join(instances.get(0).acquire(fx.request(HIGH, "api", null), Duration.ofSeconds(1)));
        String cooling = limited.keyId();

        long cooledAt = System.nanoTime();
        instances.get(0).cooldown(limited, RETRY_AFTER).toCompletableFuture().join();
        instances.get(0).release(limited).toCompletableFuture().join();

        int claims = 0;
        while (System.nanoTime() - cooledAt < RETRY_AFTER.minusMillis(100).toNanos()) {
            RedisAdmissionControl control = instances.get(claims++ % 2);
            Lease lease = join(control.acquire(fx.request(HIGH, "api", null), Duration.ofSeconds(1)));
            assertThat(lease.keyId()).as("claim %d, %d ms after the 429", claims,
                    (System.nanoTime() - cooledAt) / 1_000_000).isNotEqualTo(cooling);
            control.release(lease).toCompletableFuture().join();
        }
        assertThat(claims).isGreaterThan(10);

        Lease other = join(instances.get(1).acquire(fx.request(HIGH, "api", null), Duration.ofSeconds(1)));
        await("the key is handed out again after its Retry-After").atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
            Lease again = join(instances.get(0).acquire(fx.request(HIGH, "api", null), Duration.ofSeconds(2)));
            assertThat(again.keyId()).isEqualTo(cooling);
        });
        assertThat(other.keyId()).isNotEqualTo(cooling);
    }
}
