package dev.harvest.lease.redis;

import dev.harvest.lease.KeyPool;
import dev.harvest.lease.KeySecret;
import dev.harvest.lease.KeyStatus;
import dev.harvest.redis.RedisClients;
import dev.harvest.redis.ScriptReply;
import dev.harvest.task.Cost;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Runtime management of the key pools of one pipeline in Redis ({@code harvest keys list|add|remove|cooldown}).
 * Changes are seen by every instance at their next acquire; no restart. Calls block for at most about the
 * command timeout and throw {@link dev.harvest.lease.AdmissionUnavailableException} when Redis is unreachable.
 * Secrets go to Redis only through {@link #add} and are never read back here.
 */
public final class RedisKeyPool implements KeyPool {

    private final AdmissionScripts scripts;
    private final Duration timeout;

    public RedisKeyPool(RedisClients clients, String pipeline, MeterRegistry registry) {
        this.scripts = new AdmissionScripts(clients.async(), new KeySpace(pipeline), registry);
        this.timeout = clients.commandTimeout();
    }

    public RedisKeyPool(RedisClients clients, String pipeline) {
        this(clients, pipeline, new CompositeMeterRegistry());
    }

    /** Per key: in use, cap, cooldown remaining, total claims, 429s, rate and budget left, charged; by key id. */
    @Override
    public List<KeyStatus> list(String pool) {
        ScriptReply reply = call(scripts.run(AdmissionScripts.POOL_STATUS, List.of(KeySpace.requireName("pool", pool))), "keys list");
        int cap = reply.intAt(0);
        if (cap < 0) {
            throw unknownPool(pool);
        }
        List<KeyStatus> keys = new ArrayList<>();
        for (int i = 0, n = reply.intAt(1); i < n; i++) {
            int at = 2 + i * 8;
            long budget = reply.longAt(at + 6);
            keys.add(new KeyStatus(pool, reply.stringAt(at), reply.intAt(at + 1), cap,
                    Duration.ofMillis(reply.longAt(at + 2)), reply.longAt(at + 3), reply.longAt(at + 4),
                    reply.longAt(at + 5), budget < 0 ? -1 : Cost.fromMicros(budget), Cost.fromMicros(reply.longAt(at + 7))));
        }
        return keys;
    }

    @Override
    public void add(String pool, String keyId, KeySecret secretOrNull) {
        List<String> args = List.of(KeySpace.requireName("pool", pool), KeySpace.requireName("key id", keyId),
                secretOrNull == null ? "0" : "1", secretOrNull == null ? "" : secretOrNull.reveal());
        if (call(scripts.run(AdmissionScripts.KEY_ADD, args), "keys add").intAt(0) < 0) {
            throw unknownPool(pool);
        }
    }

    @Override
    public boolean remove(String pool, String keyId) {
        List<String> args = List.of(KeySpace.requireName("pool", pool), KeySpace.requireName("key id", keyId));
        int status = call(scripts.run(AdmissionScripts.KEY_REMOVE, args), "keys remove").intAt(0);
        if (status < 0) {
            throw unknownPool(pool);
        }
        return status == 1;
    }

    @Override
    public void cooldown(String pool, String keyId, Duration duration) {
        String p = KeySpace.requireName("pool", pool);
        String k = KeySpace.requireName("key id", keyId);
        if (call(scripts.cooldown(p, k, duration.toMillis(), false), "keys cooldown").intAt(0) < 0) {
            throw unknownPool(pool);
        }
    }

    private ScriptReply call(CompletionStage<ScriptReply> stage, String what) {
        return Blocking.await(stage, timeout, what);
    }

    private static IllegalArgumentException unknownPool(String pool) {
        return new IllegalArgumentException("unknown key pool '" + pool + "' (not synced into Redis; is the pipeline running?)");
    }
}
