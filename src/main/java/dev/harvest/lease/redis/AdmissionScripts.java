package dev.harvest.lease.redis;

import dev.harvest.config.Budget;
import dev.harvest.config.KeyConfig;
import dev.harvest.config.KeyPoolConfig;
import dev.harvest.config.PermitConfig;
import dev.harvest.config.RateLimit;
import dev.harvest.lease.AdmissionUnavailableException;
import dev.harvest.metrics.MetricNames;
import dev.harvest.metrics.TagNames;
import dev.harvest.redis.LuaScript;
import dev.harvest.redis.RedisFailures;
import dev.harvest.redis.RedisUnavailableException;
import dev.harvest.redis.ScriptReply;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The admission scripts of one pipeline, each call counted in {@link MetricNames#REDIS_CALLS} (tag {@code type}
 * = script) and failures translated: Redis unreachable becomes {@link AdmissionUnavailableException}.
 */
final class AdmissionScripts {

    static final LuaScript ACQUIRE = LuaScript.load("acquire");
    static final LuaScript RELEASE = LuaScript.load("release");
    static final LuaScript RENEW = LuaScript.load("renew");
    static final LuaScript COOLDOWN = LuaScript.load("cooldown");
    static final LuaScript SYNC_POOL = LuaScript.load("sync_pool");
    static final LuaScript REAP = LuaScript.load("reap");
    static final LuaScript KEY_ADD = LuaScript.load("key_add");
    static final LuaScript KEY_REMOVE = LuaScript.load("key_remove");
    static final LuaScript POOL_STATUS = LuaScript.load("pool_status");

    private final RedisAsyncCommands<String, String> redis;
    private final String[] keys;
    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final LongAdder calls = new LongAdder();

    AdmissionScripts(RedisAsyncCommands<String, String> redis, KeySpace keySpace, MeterRegistry registry) {
        this.redis = redis;
        this.keys = new String[] {keySpace.fence()};
        this.registry = registry;
    }

    /** Runs {@code script}; the stage fails with {@link AdmissionUnavailableException} when Redis is unreachable. */
    CompletionStage<ScriptReply> run(LuaScript script, List<String> args) {
        calls.increment();
        counters.computeIfAbsent(script.name(), name -> Counter.builder(MetricNames.REDIS_CALLS)
                .description("Redis round trips (script calls) made by the admission control")
                .baseUnit("calls").tag(TagNames.TYPE, name).register(registry)).increment();
        return script.run(redis, keys, args.toArray(String[]::new)).handle((reply, failure) -> {
            if (failure == null) {
                return reply;
            }
            throw new CompletionException(translate(failure));
        });
    }

    /**
     * Maps any failure of a Redis call to what callers of admission see: {@link AdmissionUnavailableException}
     * when Redis is unreachable, the failure itself otherwise.
     */
    static RuntimeException translate(Throwable failure) {
        Throwable t = RedisFailures.unwrap(failure);
        if (t instanceof AdmissionUnavailableException unavailable) {
            return unavailable;
        }
        if (t instanceof RedisUnavailableException) {
            return new AdmissionUnavailableException(t.getMessage(), t);
        }
        if (RedisFailures.isUnavailable(t)) {
            return new AdmissionUnavailableException(RedisFailures.translate("admission", t).getMessage(), t);
        }
        return t instanceof RuntimeException r ? r : new IllegalStateException(String.valueOf(t.getMessage()), t);
    }

    /** Script calls made so far. */
    long calls() {
        return calls.sum();
    }

    CompletionStage<ScriptReply> sync(AdmissionSetup setup) {
        List<String> args = new ArrayList<>();
        args.add(Integer.toString(setup.keyPools().size()));
        for (KeyPoolConfig pool : setup.keyPools()) {
            args.add(pool.name());
            args.add(Integer.toString(pool.maxConcurrentPerKey()));
            args.add(Long.toString(pool.cooldownOn429().toMillis()));
            args.add(limits(pool.rate(), pool.budget()));
            args.add(Integer.toString(pool.keys().size()));
            for (KeyConfig key : pool.keys()) {
                args.add(key.id());
                args.add(limits(pool.rateOf(key), pool.budgetOf(key)));
            }
        }
        args.add(Integer.toString(setup.permits().size()));
        for (PermitConfig permit : setup.permits()) {
            args.add(permit.name());
            args.add(Integer.toString(permit.permits()));
        }
        return run(SYNC_POOL, args);
    }

    /** A key's limits as the scripts read them: 'requests|perMs|budgetMicros|perMs', 0 for none (lib/windows.lua). */
    static String limits(RateLimit rate, Budget budget) {
        return (rate == null ? "0|0" : rate.requests() + "|" + rate.per().toMillis()) + "|"
                + (budget == null ? "0|0" : budget.micros() + "|" + budget.per().toMillis());
    }

    CompletionStage<ScriptReply> cooldown(String pool, String keyId, long durationMs, boolean rateLimited) {
        return run(COOLDOWN, List.of(pool, keyId, Long.toString(Math.max(0, durationMs)), rateLimited ? "1" : "0"));
    }

    CompletionStage<ScriptReply> reap(int limit, String job, long token) {
        return run(REAP, List.of(Integer.toString(limit), job, Long.toString(token)));
    }
}
