package dev.harvest.lease.local;

import dev.harvest.config.KeyConfig;
import dev.harvest.config.KeyPoolConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** One key pool's counters in memory. Not thread-safe: guarded by {@link InJvmAdmissionControl}. */
final class LocalKeyPool {

    private final KeyPoolConfig config;
    private final Map<String, Integer> inUse = new LinkedHashMap<>();
    private final Map<String, Instant> coolingUntil = new LinkedHashMap<>();

    LocalKeyPool(KeyPoolConfig config) {
        this.config = config;
        for (KeyConfig key : config.keys()) {
            inUse.put(key.id(), 0);
        }
    }

    /** Claims the least-loaded key with spare capacity that is not cooling down, or returns null. */
    String claimLeastLoaded(Instant now) {
        String best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (Map.Entry<String, Integer> e : inUse.entrySet()) {
            Instant until = coolingUntil.get(e.getKey());
            boolean cooling = until != null && until.isAfter(now);
            if (!cooling && e.getValue() < config.maxConcurrentPerKey() && e.getValue() < bestLoad) {
                best = e.getKey();
                bestLoad = e.getValue();
            }
        }
        if (best != null) {
            inUse.merge(best, 1, Integer::sum);
        }
        return best;
    }

    void release(String keyId) {
        inUse.computeIfPresent(keyId, (k, n) -> Math.max(0, n - 1));
    }

    /** Puts the key to rest; returns how long. */
    Duration cooldown(String keyId, Duration retryAfter, Instant now) {
        Duration rest = retryAfter.compareTo(config.cooldownOn429()) > 0 ? retryAfter : config.cooldownOn429();
        coolingUntil.merge(keyId, now.plus(rest), (a, b) -> a.isAfter(b) ? a : b);
        return rest;
    }

    int inUse(String keyId) {
        return inUse.getOrDefault(keyId, 0);
    }
}
