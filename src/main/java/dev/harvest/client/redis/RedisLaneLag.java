package dev.harvest.client.redis;

import dev.harvest.client.LaneLag;
import dev.harvest.client.LaneLagSource;
import dev.harvest.config.RedisSettings;
import dev.harvest.redis.RedisClients;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Reads the lags the lane-lag monitor publishes in Redis. The whole hash is read at most every {@code refreshMs};
 * a Redis that cannot be read gives "unknown" (producers fail open), never an error.
 */
public final class RedisLaneLag implements LaneLagSource {

    private final RedisClients redis;
    private final String key;
    private final long refreshMs;
    private volatile Map<String, String> lags = Map.of();
    private volatile long readAtMs;

    public RedisLaneLag(RedisSettings settings, String pipeline, long refreshMs) {
        this.redis = RedisClients.connect(settings);
        this.key = LaneLag.key(pipeline);
        this.refreshMs = refreshMs;
    }

    @Override
    public OptionalLong lag(String lane) {
        long now = System.currentTimeMillis();
        if (now - readAtMs >= refreshMs) {
            refresh(now);
        }
        return LaneLag.parse(lags.get(lane), now);
    }

    private synchronized void refresh(long now) {
        if (now - readAtMs < refreshMs) {
            return;
        }
        try {
            lags = redis.async().hgetall(key).get(2, TimeUnit.SECONDS);
        } catch (Exception unreadable) {
            lags = Map.of();
        }
        readAtMs = now;
    }

    @Override
    public void close() {
        redis.close();
    }
}
