package dev.harvest.lease.redis;

import dev.harvest.lease.Lease;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The independent monitor of the load tests: a fake provider that counts, per key and in total, how many holders
 * use it at this moment, and remembers the maxima. It knows nothing of Redis.
 */
final class CountingResource {

    private final Map<String, AtomicInteger> perKey = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> maxPerKey = new ConcurrentHashMap<>();
    private final AtomicInteger permits = new AtomicInteger();
    private final AtomicInteger maxPermits = new AtomicInteger();

    void enter(Lease lease) {
        if (lease.keyId() != null) {
            int now = perKey.computeIfAbsent(lease.keyId(), k -> new AtomicInteger()).incrementAndGet();
            maxPerKey.computeIfAbsent(lease.keyId(), k -> new AtomicInteger()).accumulateAndGet(now, Math::max);
        }
        if (lease.permits() != null) {
            maxPermits.accumulateAndGet(permits.incrementAndGet(), Math::max);
        }
    }

    void exit(Lease lease) {
        if (lease.keyId() != null) {
            perKey.get(lease.keyId()).decrementAndGet();
        }
        if (lease.permits() != null) {
            permits.decrementAndGet();
        }
    }

    int maxPerKey() {
        return maxPerKey.values().stream().mapToInt(AtomicInteger::get).max().orElse(0);
    }

    int maxPermits() {
        return maxPermits.get();
    }

    int inUse() {
        return permits.get() + perKey.values().stream().mapToInt(AtomicInteger::get).sum();
    }
}
