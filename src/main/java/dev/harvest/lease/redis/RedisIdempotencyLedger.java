package dev.harvest.lease.redis;

import dev.harvest.lease.IdempotencyLedger;
import dev.harvest.redis.LuaScript;
import dev.harvest.redis.RedisClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The idempotency ledger in Redis. Lookups and records of this instance are gathered while a script call is in
 * flight and sent together in the next one ({@code ledger.lua}), so the ledger costs far less than a round trip
 * per task under load. Results larger than {@code maxResultBytes} are not kept (those tasks may run twice).
 */
public final class RedisIdempotencyLedger implements IdempotencyLedger {

    /** The largest result an app's ledger keeps. */
    public static final int MAX_RESULT_BYTES = 64 * 1024;

    private record Get(String taskId, CompletableFuture<Optional<String>> result) {
    }

    private record Put(String taskId, String json, CompletableFuture<Void> done) {
    }

    private final RedisClients redis;
    private final KeySpace keys;
    private final Duration ttl;
    private final int maxResultBytes;
    private final LuaScript script = LuaScript.load("ledger");
    private final List<Get> gets = new ArrayList<>();
    private final List<Put> puts = new ArrayList<>();
    private final AtomicBoolean inFlight = new AtomicBoolean();

    public RedisIdempotencyLedger(RedisClients redis, String pipeline, Duration ttl, int maxResultBytes) {
        this.redis = redis;
        this.keys = new KeySpace(pipeline);
        this.ttl = ttl;
        this.maxResultBytes = maxResultBytes;
    }

    @Override
    public CompletionStage<Optional<String>> recorded(String taskId) {
        CompletableFuture<Optional<String>> f = new CompletableFuture<>();
        synchronized (this) {
            gets.add(new Get(taskId, f));
        }
        pump();
        return f;
    }

    @Override
    public CompletionStage<Void> record(String taskId, String resultJson) {
        if (resultJson.length() > maxResultBytes) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (this) {
            puts.add(new Put(taskId, resultJson, f));
        }
        pump();
        return f;
    }

    /** Sends what is queued unless a call is in flight; the call's completion sends the next batch. */
    private void pump() {
        if (!inFlight.compareAndSet(false, true)) {
            return;
        }
        List<Get> g;
        List<Put> p;
        synchronized (this) {
            g = new ArrayList<>(gets);
            p = new ArrayList<>(puts);
            gets.clear();
            puts.clear();
        }
        if (g.isEmpty() && p.isEmpty()) {
            inFlight.set(false);
            synchronized (this) {
                if (!gets.isEmpty() || !puts.isEmpty()) {
                    pump();
                }
            }
            return;
        }
        send(g, p);
    }

    private void send(List<Get> g, List<Put> p) {
        List<String> args = new ArrayList<>();
        args.add(Long.toString(ttl.toMillis()));
        args.add(Integer.toString(g.size()));
        args.add(Integer.toString(p.size()));
        g.forEach(x -> args.add(x.taskId()));
        p.forEach(x -> {
            args.add(x.taskId());
            args.add(x.json());
        });
        script.run(redis.async(), new String[] {keys.fence()}, args.toArray(String[]::new))
                .whenComplete((reply, error) -> {
                    // The next batch goes out first. The answers complete here, on the Redis connection's I/O
                    // thread, with no hop: most were asked for ahead and nothing waits on them yet, and a caller
                    // that does wait moves its next steps off this thread (see TaskDispatcher).
                    inFlight.set(false);
                    pump();
                    for (int i = 0; i < g.size(); i++) {
                        String value = error == null ? reply.stringAt(i) : null;
                        // A failed lookup counts as "not recorded": the task runs (at-least-once holds).
                        g.get(i).result().complete(Optional.ofNullable(value).filter(v -> !v.isEmpty()));
                    }
                    p.forEach(x -> x.done().complete(null));
                });
    }
}
