package dev.harvest.lease.local;

import dev.harvest.config.Budget;
import dev.harvest.config.KeyConfig;
import dev.harvest.config.KeyPoolConfig;
import dev.harvest.config.RateLimit;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** One key pool's counters in memory. Not thread-safe: guarded by {@link InJvmAdmissionControl}. */
final class LocalKeyPool {

    private final KeyPoolConfig config;
    private final Map<String, Integer> inUse = new LinkedHashMap<>();
    private final Map<String, Instant> coolingUntil = new LinkedHashMap<>();
    private final Map<String, LocalWindows> windows = new LinkedHashMap<>();

    LocalKeyPool(KeyPoolConfig config) {
        this.config = config;
        for (KeyConfig key : config.keys()) {
            inUse.put(key.id(), 0);
            RateLimit rate = config.rateOf(key);
            Budget budget = config.budgetOf(key);
            if (rate != null || budget != null) {
                windows.put(key.id(), new LocalWindows(rate, budget));
            }
        }
    }

    /**
     * Claims the least-loaded key with spare capacity that is not cooling down and has room for {@code cost} in
     * its rate and budget windows, charging it to {@code leaseId}; returns null when there is none.
     */
    String claimLeastLoaded(Instant now, long cost, String leaseId) {
        long nowMs = now.toEpochMilli();
        String best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (Map.Entry<String, Integer> e : inUse.entrySet()) {
            Instant until = coolingUntil.get(e.getKey());
            boolean cooling = until != null && until.isAfter(now);
            LocalWindows w = windows.get(e.getKey());
            if (!cooling && e.getValue() < config.maxConcurrentPerKey() && e.getValue() < bestLoad
                    && (w == null || w.fits(cost, nowMs))) {
                best = e.getKey();
                bestLoad = e.getValue();
            }
        }
        if (best != null) {
            inUse.merge(best, 1, Integer::sum);
            if (windows.containsKey(best)) {
                windows.get(best).charge(leaseId, cost, nowMs);
            }
        }
        return best;
    }

    /** Settles the charge of {@code leaseId}; true when budget came free. */
    boolean settle(String keyId, String leaseId, long reserved, long actual, Instant now) {
        LocalWindows w = windows.get(keyId);
        return w != null && w.settle(leaseId, reserved, actual, now.toEpochMilli());
    }

    /**
     * The earliest instant a key that no lease holds back (below its cap) has room for {@code cost} again, or null
     * when none will by time alone.
     */
    Instant nextRoom(Instant now, long cost) {
        long best = -1;
        for (Map.Entry<String, Integer> e : inUse.entrySet()) {
            if (e.getValue() >= config.maxConcurrentPerKey()) {
                continue;
            }
            Instant until = coolingUntil.get(e.getKey());
            long at = until == null ? now.toEpochMilli() : Math.max(now.toEpochMilli(), until.toEpochMilli());
            LocalWindows w = windows.get(e.getKey());
            long free = w == null ? at : w.freeAt(cost, now.toEpochMilli());
            if (free >= 0 && (best < 0 || Math.max(at, free) < best)) {
                best = Math.max(at, free);
            }
        }
        return best < 0 ? null : Instant.ofEpochMilli(best);
    }

    /** The key's windows, or null when it has neither rate limit nor budget. */
    LocalWindows windows(String keyId) {
        return windows.get(keyId);
    }

    KeyPoolConfig config() {
        return config;
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
