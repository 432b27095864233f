package dev.harvest.app;

import dev.harvest.config.PipelineConfig;
import dev.harvest.lease.KeySecret;
import dev.harvest.lease.KeyStatus;
import dev.harvest.lease.redis.RedisKeyPool;
import dev.harvest.redis.RedisClients;
import java.time.Duration;
import java.util.List;

/**
 * {@code harvest keys …}: changes a key pool in Redis while the pipeline runs; every instance sees the change at
 * its next admission. Secrets are stored in Redis only when given, and never printed.
 */
public final class KeyAdmin implements AutoCloseable {

    private final PipelineConfig config;
    private final RedisClients redis;
    private final RedisKeyPool pools;

    public KeyAdmin(PipelineConfig config) {
        this.config = config;
        this.redis = RedisClients.connect(config.redis());
        this.pools = new RedisKeyPool(redis, config.pipeline());
    }

    /** The pool's name, checked against the file; the only pool when {@code pool} is null and there is one. */
    public String pool(String pool) {
        if (pool == null) {
            if (config.keyPools().size() != 1) {
                throw new IllegalArgumentException("--pool is required: the pipeline has " + config.keyPools().size()
                        + " key pools");
            }
            return config.keyPools().get(0).name();
        }
        return pool;
    }

    public List<KeyStatus> list(String pool) {
        return pools.list(pool(pool));
    }

    public void add(String pool, String keyId, String secretOrNull) {
        pools.add(pool(pool), keyId, secretOrNull == null ? null : new KeySecret(secretOrNull));
    }

    public boolean remove(String pool, String keyId) {
        return pools.remove(pool(pool), keyId);
    }

    public void cooldown(String pool, String keyId, Duration duration) {
        pools.cooldown(pool(pool), keyId, duration);
    }

    @Override
    public void close() {
        redis.close();
    }
}
