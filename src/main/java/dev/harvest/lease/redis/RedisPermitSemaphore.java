package dev.harvest.lease.redis;

import dev.harvest.lease.PermitSemaphore;
import dev.harvest.redis.RedisClients;
import io.lettuce.core.KeyValue;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.List;

/**
 * Read side of the pipeline's semaphores in Redis, for gauges and tooling. An unknown semaphore reads as 0/0.
 */
public final class RedisPermitSemaphore implements PermitSemaphore {

    private final RedisAsyncCommands<String, String> redis;
    private final KeySpace keySpace;
    private final Duration timeout;

    public RedisPermitSemaphore(RedisClients clients, String pipeline) {
        this.redis = clients.async();
        this.keySpace = new KeySpace(pipeline);
        this.timeout = clients.commandTimeout();
    }

    @Override
    public int inUse(String name) {
        return field(name, "used");
    }

    @Override
    public int capacity(String name) {
        return field(name, "total");
    }

    private int field(String name, String field) {
        String key = keySpace.semaphore(KeySpace.requireName("semaphore", name));
        List<KeyValue<String, String>> values = Blocking.await(redis.hmget(key, field), timeout, "read semaphore");
        return values.isEmpty() || !values.get(0).hasValue() ? 0 : Integer.parseInt(values.get(0).getValue());
    }
}
