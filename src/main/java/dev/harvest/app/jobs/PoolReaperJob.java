package dev.harvest.app.jobs;

import dev.harvest.config.KeyPoolConfig;
import dev.harvest.config.PermitConfig;
import dev.harvest.config.PipelineConfig;
import dev.harvest.leader.LeaderToken;
import dev.harvest.leader.SingletonJob;
import dev.harvest.lease.KeyPool;
import dev.harvest.lease.KeyStatus;
import dev.harvest.lease.PermitSemaphore;
import dev.harvest.lease.redis.RedisAdmissionControl;
import dev.harvest.metrics.MetricNames;
import dev.harvest.metrics.TagNames;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Singleton job: reclaims leases of crashed or stalled holders and publishes the cluster-wide gauges of the key
 * pools (keys in use, cooling, available) and semaphores (permits in use, total). Only the leader's gauges
 * carry values; the others report NaN, so a dashboard's {@code max()} shows the one true figure.
 */
public final class PoolReaperJob implements SingletonJob {

    public static final String NAME = "pool-reaper";

    private final PipelineConfig config;
    private final RedisAdmissionControl admission;
    private final KeyPool pools;
    private final PermitSemaphore semaphores;
    private final Map<String, Double> values = new ConcurrentHashMap<>();

    public PoolReaperJob(PipelineConfig config, RedisAdmissionControl admission, KeyPool pools,
                         PermitSemaphore semaphores, MeterRegistry registry) {
        this.config = config;
        this.admission = admission;
        this.pools = pools;
        this.semaphores = semaphores;
        for (KeyPoolConfig pool : config.keyPools()) {
            for (String state : List.of("in-use", "cooling", "available")) {
                gauge(registry, MetricNames.KEY_LEASES, "Keys of the pool by state, cluster-wide (leader only)",
                        pool.name() + "/" + state, TagNames.POOL, pool.name(), TagNames.STATE, state);
            }
        }
        for (PermitConfig p : config.permits()) {
            gauge(registry, MetricNames.PERMITS_IN_USE, "Permits held, cluster-wide (leader only)", "sem/" + p.name(),
                    TagNames.SEMAPHORE, p.name());
            Gauge.builder(MetricNames.PERMITS_MAX, p, x -> x.permits()).description("Permits of the semaphore")
                    .tag(TagNames.SEMAPHORE, p.name()).register(registry);
        }
    }

    private void gauge(MeterRegistry registry, String name, String description, String slot, String... tags) {
        values.put(slot, Double.NaN);
        Gauge.builder(name, values, v -> v.getOrDefault(slot, Double.NaN)).description(description).tags(tags)
                .register(registry);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Duration interval() {
        return Duration.ofSeconds(2);
    }

    @Override
    public void run(LeaderToken token) throws Exception {
        if (!token.isValid()) {
            return;
        }
        if (admission.reapExpired(NAME, token.token()).toCompletableFuture().get(10, TimeUnit.SECONDS) < 0) {
            return; // the token is no longer the leader's: a successor has taken over
        }
        for (KeyPoolConfig pool : config.keyPools()) {
            List<KeyStatus> keys = pools.list(pool.name());
            double inUse = keys.stream().filter(k -> k.inUse() > 0).count();
            double cooling = keys.stream().filter(k -> !k.cooldownRemaining().isZero()).count();
            values.put(pool.name() + "/in-use", inUse);
            values.put(pool.name() + "/cooling", cooling);
            values.put(pool.name() + "/available", (double) keys.stream()
                    .filter(k -> k.inUse() < k.cap() && k.cooldownRemaining().isZero()).count());
        }
        for (PermitConfig p : config.permits()) {
            values.put("sem/" + p.name(), (double) semaphores.inUse(p.name()));
        }
    }

    /** Leadership lost: this instance's figures would go stale, so its gauges go back to NaN. */
    @Override
    public void stopped() {
        values.replaceAll((k, v) -> Double.NaN);
    }
}
