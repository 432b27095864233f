package dev.harvest.lease.redis;

import static dev.harvest.lease.redis.AdmissionFixtures.HIGH;
import static dev.harvest.lease.redis.AdmissionFixtures.join;
import static dev.harvest.lease.redis.AdmissionFixtures.permits;
import static dev.harvest.lease.redis.AdmissionFixtures.pool;
import static dev.harvest.lease.redis.AdmissionFixtures.setup;
import static dev.harvest.lease.redis.AdmissionFixtures.uniquePipeline;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harvest.config.KeyConfig;
import dev.harvest.config.KeyPoolConfig;
import dev.harvest.lease.ConfigSecretResolver;
import dev.harvest.lease.KeySecret;
import dev.harvest.lease.KeyStatus;
import dev.harvest.lease.Lease;
import dev.harvest.redis.RedisClients;
import dev.harvest.testkit.RedisServerExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisKeyPoolIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private final AdmissionFixtures fx = new AdmissionFixtures();

    @AfterEach
    void closeAll() throws Exception {
        fx.close();
    }

    @Test
    void shouldListAddRemoveAndCoolDownKeysWhenManagedAtRuntime() {
        AdmissionSetup setup = setup(uniquePipeline("keys"), List.of(pool("api", 2, Duration.ofSeconds(30), "k1", "k2")), List.of());
        RedisClients clients = fx.clients(REDIS.settings());
        // Redis's own grants: a lease kept here after its task would serve a removed key up to leaseReuse longer.
        RedisAdmissionControl control = fx.control(clients, setup, AdmissionOptions.defaults().withoutKeptLeases(),
                System::nanoTime, new SimpleMeterRegistry());
        RedisKeyPool keys = new RedisKeyPool(clients, setup.pipeline());
        Lease lease = join(control.acquire(fx.request(HIGH, "api", null), Duration.ofSeconds(1)));
        control.cooldown(lease, Duration.ofSeconds(2)).toCompletableFuture().join();

        // The first lease may land on either key (the scan rotates); cool the other one down by hand.
        String other = lease.keyId().equals("k1") ? "k2" : "k1";
        keys.add("api", "k3", null);
        keys.cooldown("api", other, Duration.ofSeconds(5));
        List<KeyStatus> listed = keys.list("api");

        assertThat(listed).extracting(KeyStatus::keyId).containsExactly("k1", "k2", "k3");
        KeyStatus used = listed.stream().filter(k -> k.keyId().equals(lease.keyId())).findFirst().orElseThrow();
        assertThat(used.inUse()).isEqualTo(1);
        assertThat(used.cap()).isEqualTo(2);
        assertThat(used.totalClaims()).isEqualTo(1);
        assertThat(used.rateLimited()).isEqualTo(1);
        assertThat(used.cooldownRemaining()).isBetween(Duration.ofSeconds(25), Duration.ofSeconds(30));
        assertThat(listed.stream().filter(k -> k.keyId().equals(other)).findFirst().orElseThrow().cooldownRemaining())
                .isPositive();
        Lease onNewKey = join(control.acquire(fx.request(HIGH, "api", null), Duration.ofSeconds(1)));
        assertThat(onNewKey.keyId()).isEqualTo("k3");

        assertThat(keys.remove("api", "k3")).isTrue();
        assertThat(keys.remove("api", "k3")).isFalse();
        control.release(onNewKey).toCompletableFuture().join();
        assertThat(keys.list("api")).extracting(KeyStatus::keyId).containsExactly("k1", "k2");
        assertThat(control.tryAcquire(fx.request(HIGH, "api", null)).toCompletableFuture().join()).isEmpty();
        assertThatThrownBy(() -> keys.list("nope")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope");
    }

    @Test
    void shouldKeepLiveLeasesWhenPoolsAreSyncedAgain() {
        AdmissionSetup setup = setup(uniquePipeline("sync"), List.of(pool("api", 1, null, "k1", "k2")),
                List.of(permits("calls", 5, Duration.ofSeconds(5), Map.of())));
        RedisClients clients = fx.clients(REDIS.settings());
        // Redis's own grants: the release below goes back to Redis at once.
        RedisAdmissionControl first = fx.control(clients, setup, AdmissionOptions.defaults().withoutKeptLeases(),
                System::nanoTime, new SimpleMeterRegistry());
        RedisKeyPool keys = new RedisKeyPool(clients, setup.pipeline());
        keys.add("api", "runtime-key", null);
        Lease lease = join(first.acquire(fx.request(HIGH, "api", "calls"), Duration.ofSeconds(1)));

        AdmissionSetup shrunk = setup(setup.pipeline(), List.of(pool("api", 1, null, "k1")),
                List.of(permits("calls", 7, Duration.ofSeconds(5), Map.of())));
        fx.control(fx.clients(REDIS.settings()), shrunk); // a new deployment syncs its file at start-up

        assertThat(keys.list("api")).extracting(KeyStatus::keyId).containsExactly("k1", "runtime-key");
        assertThat(new RedisPermitSemaphore(clients, setup.pipeline()).capacity("calls")).isEqualTo(7);
        assertThat(new RedisPermitSemaphore(clients, setup.pipeline()).inUse("calls")).isEqualTo(1);
        assertThat(first.isHeld(lease)).isTrue();
        first.release(lease).toCompletableFuture().join();
        assertThat(new RedisPermitSemaphore(clients, setup.pipeline()).inUse("calls")).isZero();
    }

    @Test
    void shouldResolveSecretFromRedisAndNeverShowItWhenPoolKeepsSecretsThere() {
        String pipeline = uniquePipeline("secrets");
        KeyPoolConfig inRedis = new KeyPoolConfig("vault", 1, null, List.of(new KeyConfig("v1", null, null, null)), true);
        AdmissionSetup setup = new AdmissionSetup(pipeline, AdmissionFixtures.LANES, List.of(inRedis), List.of());
        RedisClients clients = fx.clients(REDIS.settings());
        fx.control(clients, setup);
        RedisKeyPool keys = new RedisKeyPool(clients, pipeline);
        String secret = "sk-live-very-secret-123";

        keys.add("vault", "v1", new KeySecret(secret));
        RedisSecretResolver fromRedis = new RedisSecretResolver(clients, pipeline, Set.of("vault"), Duration.ofSeconds(30),
                System::nanoTime);
        ConfigSecretResolver resolver = new ConfigSecretResolver(List.of(inRedis), name -> null, fromRedis);

        assertThat(resolver.secretOf("vault", "v1")).map(KeySecret::reveal).contains(secret);
        assertThat(resolver.secretOf("vault", "unknown")).isEmpty();
        assertThat(fromRedis.secretOf("other-pool", "v1")).isEqualTo(Optional.empty());
        List<String> shown = new ArrayList<>();
        keys.list("vault").forEach(k -> shown.add(k.toString()));
        shown.add(resolver.secretOf("vault", "v1").orElseThrow().toString());
        assertThat(String.join("\n", shown)).doesNotContain(secret);
        assertThat(keys.remove("vault", "v1")).isTrue();
        fromRedis.refresh();
        assertThat(fromRedis.secretOf("vault", "v1")).isEmpty();
    }
}
