package dev.harvest.lease.redis;

import dev.harvest.config.KeyPoolConfig;
import dev.harvest.config.PipelineConfig;
import dev.harvest.lease.AdmissionUnavailableException;
import dev.harvest.lease.KeySecret;
import dev.harvest.lease.SecretResolver;
import dev.harvest.redis.RedisClients;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * Secrets of keys of pools with {@code secretsInRedis: true}, read from {@code hs:{P}:pool:NAME:secrets} and
 * cached for a short while so a task does not cost an extra round trip. When Redis is unreachable a cached value
 * is served past its freshness. Other pools resolve to empty. No secret is ever logged or put in an exception.
 * Use it as the fallback of {@link dev.harvest.lease.ConfigSecretResolver}.
 */
public final class RedisSecretResolver implements SecretResolver {

    private record Cached(Optional<KeySecret> secret, long freshUntil) {
    }

    private final RedisAsyncCommands<String, String> redis;
    private final KeySpace keySpace;
    private final Set<String> pools;
    private final long cacheNanos;
    private final LongSupplier ticker;
    private final Duration timeout;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    public RedisSecretResolver(RedisClients clients, String pipeline, Set<String> poolsWithSecretsInRedis, Duration cacheFor,
                               LongSupplier nanoTicker) {
        this.redis = clients.async();
        this.keySpace = new KeySpace(pipeline);
        this.pools = Set.copyOf(poolsWithSecretsInRedis);
        this.cacheNanos = cacheFor.toNanos();
        this.ticker = nanoTicker;
        this.timeout = clients.commandTimeout();
    }

    /**
     * Every pool of {@code config}, cached for 30 s: pools with {@code secretsInRedis}, and keys added at runtime
     * with {@code harvest keys add} (whose secret only Redis has) in any pool.
     */
    public RedisSecretResolver(RedisClients clients, PipelineConfig config) {
        this(clients, config.pipeline(), config.keyPools().stream().map(KeyPoolConfig::name)
                .collect(Collectors.toSet()), Duration.ofSeconds(30), System::nanoTime);
    }

    @Override
    public Optional<KeySecret> secretOf(String keyPool, String keyId) {
        if (!pools.contains(keyPool)) {
            return Optional.empty();
        }
        String cacheKey = keyPool + "/" + keyId;
        Cached cached = cache.get(cacheKey);
        long now = ticker.getAsLong();
        if (cached != null && now - cached.freshUntil() < 0) {
            return cached.secret();
        }
        try {
            String value = Blocking.await(redis.hget(keySpace.secrets(keyPool), keyId), timeout, "read a key secret");
            Optional<KeySecret> secret = Optional.ofNullable(value).filter(v -> !v.isEmpty()).map(KeySecret::new);
            cache.put(cacheKey, new Cached(secret, now + cacheNanos));
            return secret;
        } catch (AdmissionUnavailableException e) {
            if (cached != null) {
                return cached.secret();
            }
            throw e;
        }
    }

    /** Forgets cached secrets, e.g. after {@code harvest keys add} rotated one. */
    public void refresh() {
        cache.clear();
    }
}
