package dev.harvest.app;

import dev.harvest.config.PipelineConfig;
import dev.harvest.lease.AdmissionControl;
import dev.harvest.lease.IdempotencyLedger;
import dev.harvest.lease.SecretResolver;
import dev.harvest.lease.local.InJvmAdmissionControl;
import dev.harvest.lease.redis.RedisAdmissionControl;
import dev.harvest.lease.redis.RedisIdempotencyLedger;
import dev.harvest.lease.redis.RedisSecretResolver;
import dev.harvest.redis.RedisClients;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The admission control an instance uses, the secrets it may hold, and the Redis connection behind them
 * (absent in LOCAL mode). Closing it gives back held leases, then closes the connection.
 */
record Admission(AdmissionControl control, SecretResolver secrets, IdempotencyLedger ledger,
                 Optional<RedisClients> redis) implements AutoCloseable {

    static Admission create(PipelineConfig config, AppOptions options, MeterRegistry registry,
                            ScheduledExecutorService scheduler) {
        if (options.admission() == AppOptions.AdmissionMode.LOCAL) {
            InJvmAdmissionControl local = new InJvmAdmissionControl(config.keyPools(), config.permits(),
                    config.lanes(), scheduler, options.clock());
            return new Admission(local, (pool, key) -> Optional.empty(), IdempotencyLedger.none(), Optional.empty());
        }
        RedisClients clients = RedisClients.connect(config.redis(), registry);
        try {
            RedisAdmissionControl control = new RedisAdmissionControl(clients, config, registry).start();
            IdempotencyLedger ledger = config.ledgerTtl().isZero() ? IdempotencyLedger.none()
                    : new RedisIdempotencyLedger(clients, config.pipeline(), config.ledgerTtl(),
                            RedisIdempotencyLedger.MAX_RESULT_BYTES);
            return new Admission(control, new RedisSecretResolver(clients, config), ledger, Optional.of(clients));
        } catch (RuntimeException e) {
            clients.close();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            control.close();
        } finally {
            redis.ifPresent(RedisClients::close);
        }
    }
}
