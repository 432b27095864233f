package dev.harvest.lease.redis;

import java.time.Duration;

/**
 * Tunables of {@link RedisAdmissionControl}; {@link #defaults()} suits production.
 *
 * @param keyOnlyLeaseTtl    TTL of a lease that holds a key but no permit (permit leases use the semaphore's leaseTtl)
 * @param safetyMargin       fraction of the TTL by which the local deadline stays ahead of the Redis expiry
 * @param wakeUp             how instances learn that another instance released something
 * @param maxBatch           most requests (acquisitions, releases) in one script call
 * @param pollMin            first delay before a blocked waiter is tried again (polling; doubles up to pollMax)
 * @param pollMax            longest delay between tries of blocked waiters; with pub/sub, the safety-net poll
 * @param reclaimPerAcquire  expired leases an acquire call reclaims before granting
 * @param leaseReuse         how long after its grant a lease may be handed from a finished task straight to a
 *                           waiting one of this instance ({@link LeaseReuse}); zero sends every release to Redis
 * @param keepLeases         whether a lease whose task ended with nobody waiting here is kept for the next
 *                           request within {@code leaseReuse} ({@link KeptLeases}) instead of going back at once
 */
public record AdmissionOptions(Duration keyOnlyLeaseTtl, double safetyMargin, WakeUp wakeUp, int maxBatch,
                               Duration pollMin, Duration pollMax, int reclaimPerAcquire, Duration leaseReuse,
                               boolean keepLeases) {

    /** How a waiting instance notices that capacity came free on another instance. */
    public enum WakeUp {
        /** Releases PUBLISH on hs:{P}:freed; waiters retry on a message (one extra connection per instance). */
        PUBSUB,
        /** Waiters retry with exponential backoff from pollMin to pollMax; no extra connection. */
        POLLING
    }

    public AdmissionOptions {
        if (keyOnlyLeaseTtl.toMillis() < 300) {
            throw new IllegalArgumentException("keyOnlyLeaseTtl must be at least 300ms");
        }
        if (!(safetyMargin >= 0 && safetyMargin < 0.5)) {
            throw new IllegalArgumentException("safetyMargin must be in [0, 0.5)");
        }
        if (maxBatch < 1 || pollMin.isNegative() || pollMax.compareTo(pollMin) < 0 || reclaimPerAcquire < 0) {
            throw new IllegalArgumentException("maxBatch >= 1, 0 <= pollMin <= pollMax, reclaimPerAcquire >= 0");
        }
        if (leaseReuse.isNegative()) {
            throw new IllegalArgumentException("leaseReuse must not be negative");
        }
    }

    public static AdmissionOptions defaults() {
        return new AdmissionOptions(Duration.ofSeconds(30), 0.1, WakeUp.PUBSUB, 128, Duration.ofMillis(5),
                Duration.ofMillis(500), 16, Duration.ofSeconds(1), true);
    }

    public AdmissionOptions withWakeUp(WakeUp mode) {
        return new AdmissionOptions(keyOnlyLeaseTtl, safetyMargin, mode, maxBatch, pollMin, pollMax, reclaimPerAcquire, leaseReuse,
                keepLeases);
    }

    public AdmissionOptions withKeyOnlyLeaseTtl(Duration ttl) {
        return new AdmissionOptions(ttl, safetyMargin, wakeUp, maxBatch, pollMin, pollMax, reclaimPerAcquire, leaseReuse,
                keepLeases);
    }

    public AdmissionOptions withMaxBatch(int max) {
        return new AdmissionOptions(keyOnlyLeaseTtl, safetyMargin, wakeUp, max, pollMin, pollMax, reclaimPerAcquire, leaseReuse,
                keepLeases);
    }

    public AdmissionOptions withPolling(Duration min, Duration max) {
        return new AdmissionOptions(keyOnlyLeaseTtl, safetyMargin, wakeUp, maxBatch, min, max, reclaimPerAcquire, leaseReuse,
                keepLeases);
    }

    public AdmissionOptions withLeaseReuse(Duration window) {
        return new AdmissionOptions(keyOnlyLeaseTtl, safetyMargin, wakeUp, maxBatch, pollMin, pollMax, reclaimPerAcquire,
                window, keepLeases);
    }

    /** Every lease whose task ended with nobody waiting here goes back to Redis at once (Redis's own grants). */
    public AdmissionOptions withoutKeptLeases() {
        return new AdmissionOptions(keyOnlyLeaseTtl, safetyMargin, wakeUp, maxBatch, pollMin, pollMax, reclaimPerAcquire,
                leaseReuse, false);
    }

    /** How long before the Redis expiry the holder stops trusting a lease of this TTL. */
    long marginNanos(Duration ttl) {
        return Math.max(Duration.ofMillis(5).toNanos(), (long) (ttl.toNanos() * safetyMargin));
    }
}
