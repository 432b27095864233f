package dev.harvest.lease.redis;

import dev.harvest.config.KeyConfig;
import dev.harvest.config.KeyPoolConfig;
import dev.harvest.config.PermitConfig;
import dev.harvest.config.RedisSettings;
import dev.harvest.lease.AdmissionRequest;
import dev.harvest.lease.Lease;
import dev.harvest.redis.RedisClients;
import dev.harvest.task.Lane;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** Pools, semaphores, requests and instances for the Redis admission tests; closes what it opened. */
final class AdmissionFixtures implements AutoCloseable {

    static final Lane HIGH = new Lane("high", 0);
    static final Lane NORMAL = new Lane("normal", 1);
    static final Lane LOW = new Lane("low", 2);
    static final List<String> LANES = List.of("high", "normal", "low");
    private static final AtomicInteger NAMES = new AtomicInteger();

    /** A ticker that runs with {@link System#nanoTime()} and can jump ahead, as after a SIGSTOP. */
    static final class JumpingTicker implements LongSupplier {
        private final AtomicLong offset = new AtomicLong();

        void jump(Duration by) {
            offset.addAndGet(by.toNanos());
        }

        @Override
        public long getAsLong() {
            return System.nanoTime() + offset.get();
        }
    }

    private final Deque<AutoCloseable> opened = new ArrayDeque<>();
    private final AtomicInteger tasks = new AtomicInteger();

    static String uniquePipeline(String prefix) {
        return prefix + "-" + NAMES.incrementAndGet();
    }

    static KeyPoolConfig pool(String name, int cap, Duration cooldownOn429, String... keyIds) {
        List<KeyConfig> keys = Arrays.stream(keyIds).map(id -> new KeyConfig(id, "secret-of-" + id, null, null)).toList();
        return new KeyPoolConfig(name, cap, cooldownOn429, keys, false);
    }

    static PermitConfig permits(String name, int permits, Duration ttl, Map<String, Integer> reserved) {
        return new PermitConfig(name, permits, ttl, reserved);
    }

    static AdmissionSetup setup(String pipeline, List<KeyPoolConfig> pools, List<PermitConfig> permits) {
        return new AdmissionSetup(pipeline, LANES, pools, permits);
    }

    AdmissionRequest request(Lane lane, String pool, String permits) {
        return new AdmissionRequest("task-" + tasks.incrementAndGet(), lane, pool, permits);
    }

    RedisClients clients(RedisSettings settings) {
        return track(RedisClients.connect(settings));
    }

    RedisAdmissionControl control(RedisClients clients, AdmissionSetup setup, AdmissionOptions options, LongSupplier ticker,
                                  MeterRegistry registry) {
        return track(new RedisAdmissionControl(clients, setup, options, ticker, registry)).start();
    }

    RedisAdmissionControl control(RedisClients clients, AdmissionSetup setup) {
        return control(clients, setup, AdmissionOptions.defaults().withKeyOnlyLeaseTtl(Duration.ofSeconds(5)), System::nanoTime,
                new SimpleMeterRegistry());
    }

    <T extends AutoCloseable> T track(T closeable) {
        opened.push(closeable);
        return closeable;
    }

    static Lease join(java.util.concurrent.CompletionStage<Lease> stage) {
        return stage.toCompletableFuture().join();
    }

    @Override
    public void close() throws Exception {
        while (!opened.isEmpty()) {
            opened.pop().close();
        }
    }
}
