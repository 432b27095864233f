package dev.harvest.lease.redis;

import dev.harvest.config.KeyConfig;
import dev.harvest.config.KeyPoolConfig;
import dev.harvest.lease.Lease;
import dev.harvest.lease.redis.Waiter.WaitClass;
import dev.harvest.metrics.MetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * When a lease is given back while another request of this instance waits for the same wait class (lane, pool,
 * semaphore), the lease goes straight to that request instead of through Redis: no release call, no wake-up, no
 * acquire call, so a permit is busy again a few microseconds after its task ended instead of after two round
 * trips. The cluster-wide caps are untouched (the same key slot and the same permit stay held, under the same
 * lease id and fencing token, renewed as before).
 *
 * <p>What keeps this fair and safe, each checked at every hand-over:
 * <ul>
 *   <li><b>Other instances first.</b> An instance that finds nothing free in Redis publishes which pool and
 *   semaphore it waits for (acquire.lua, {@code c <instance> <class>...}, repeated at each of its tries). For
 *   {@link #contentionHold} after such a message no lease of that pool or semaphore is handed over here, so it
 *   goes back to Redis, whose round-robin queue gives it to the waiting instance.</li>
 *   <li><b>Higher lanes first.</b> A lease is handed only within its own wait class, and not while a request of a
 *   more important lane waits here for the same pool or semaphore (see {@link AcquireBatcher#takeForReuse}).</li>
 *   <li><b>Bounded age.</b> A lease is handed over only within {@code leaseReuse} of its grant by Redis; after
 *   that it goes back, so what Redis alone knows (a key removed, a cooldown set by another instance, a smaller
 *   pool) takes effect within that time.</li>
 *   <li><b>Cooldowns seen here.</b> A key that got a 429 here is not handed over until its cooldown ends.</li>
 *   <li><b>Metered keys never.</b> Keys with a rate limit or budget are charged per task in Redis, so their leases
 *   always go back.</li>
 * </ul>
 * It needs pub/sub wake-ups (the contention messages travel on that channel); with polling it is off.
 */
final class LeaseReuse {

    private record Granted(WaitClass waitClass, long grantedAt) {
    }

    private static final int MAX_HAND_OVER_DEPTH = 4;
    private static final ThreadLocal<int[]> HAND_OVER_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private final boolean enabled;
    private final long windowNanos;
    private final long contentionHold;
    private final LongSupplier ticker;
    private final Set<String> meteredPools = new HashSet<>();
    private final Map<String, Granted> granted = new ConcurrentHashMap<>();
    private final Map<String, Long> coolingUntil = new ConcurrentHashMap<>();
    private final Map<String, Long> contendedAt = new ConcurrentHashMap<>();
    private final Counter reused;
    private final WaitPaths paths;

    LeaseReuse(AdmissionSetup setup, AdmissionOptions options, LongSupplier ticker, MeterRegistry registry,
               WaitPaths paths) {
        this.paths = paths;
        this.enabled = options.wakeUp() == AdmissionOptions.WakeUp.PUBSUB && options.leaseReuse().toNanos() > 0;
        this.windowNanos = options.leaseReuse().toNanos();
        this.contentionHold = options.pollMax().multipliedBy(3).toNanos();
        this.ticker = ticker;
        for (KeyPoolConfig pool : setup.keyPools()) {
            if (pool.rate() != null || pool.budget() != null
                    || pool.keys().stream().anyMatch(LeaseReuse::metered)) {
                meteredPools.add(pool.name());
            }
        }
        this.reused = Counter.builder(MetricNames.LEASES_REUSED)
                .description("Leases handed from a finished task straight to a waiting one of this instance")
                .register(registry);
    }

    /** Redis granted {@code lease} to a request of {@code waitClass}. */
    void granted(Lease lease, WaitClass waitClass) {
        if (enabled && !meteredPools.contains(Waiter.orEmpty(lease.keyPool()))) {
            granted.put(lease.leaseId(), new Granted(waitClass, ticker.getAsLong()));
        }
    }

    /**
     * Hands {@code lease} to a waiting request of its wait class taken from {@code acquirer}, when the rules above
     * allow it; false when it must go back to Redis. {@code held} (asked last) says whether the lease is still
     * safely held; {@code giveBack} releases a lease whose request went away meanwhile.
     */
    boolean handOver(Lease lease, BooleanSupplier held, AcquireBatcher acquirer, Executor callbacks,
                     Consumer<Lease> giveBack) {
        WaitClass waitClass = reuseClass(lease, held);
        if (waitClass == null) {
            return false;
        }
        Waiter next;
        while ((next = acquirer.takeForReuse(waitClass)) != null) {
            if (next.settle()) {
                handedOver(next);
                deliver(next, lease, callbacks, giveBack);
                return true;
            }
        }
        return false;
    }

    /** {@code next} got a lease of this instance, handed over or kept ({@link KeptLeases}): counted as a hand-over. */
    void handedOver(Waiter next) {
        reused.increment();
        paths.handedOver(next);
    }

    /**
     * The wait class this instance may still use {@code lease} for, handing it over or keeping it
     * ({@link KeptLeases}): the rules above hold for it; null when it must go back to Redis.
     */
    WaitClass reuseClass(Lease lease, BooleanSupplier held) {
        Granted g = granted.get(lease.leaseId());
        if (g == null) {
            return null;
        }
        long now = ticker.getAsLong();
        if (now - g.grantedAt() >= windowNanos || contended(lease.keyPool(), lease.permits())
                || isCooling(lease, now) || !held.getAsBoolean()) {
            return null;
        }
        return g.waitClass();
    }

    /**
     * The next task starts on the thread that gave the lease back (no thread hop while the permit sits idle),
     * unless that thread is already deep in such hand-overs: tasks that end at once would otherwise run one
     * inside the other on one stack.
     */
    private static void deliver(Waiter next, Lease lease, Executor callbacks, Consumer<Lease> giveBack) {
        int[] depth = HAND_OVER_DEPTH.get();
        if (depth[0] >= MAX_HAND_OVER_DEPTH) {
            next.deliver(callbacks, lease, giveBack);
            return;
        }
        depth[0]++;
        try {
            next.deliverHere(lease, giveBack);
        } finally {
            depth[0]--;
        }
    }

    /** The lease goes back to Redis (or is gone): forget it. */
    void returned(Lease lease) {
        granted.remove(lease.leaseId());
    }

    /** A 429 here: the key is not handed over for {@code cooldown}. */
    void cooling(Lease lease, Duration cooldown) {
        if (lease.keyPool() != null && lease.keyId() != null) {
            coolingUntil.merge(keyName(lease), ticker.getAsLong() + cooldown.toNanos(), Math::max);
        }
    }

    /**
     * A contention message from the wake-up channel: {@code c <instance> <class> ...}, each class
     * {@code <priority>:<pool>:<semaphore>}. Messages of this instance itself are ignored.
     */
    void onMessage(String message, String self) {
        String[] parts = message.split(" ");
        if (parts.length < 3 || !parts[0].equals("c") || parts[1].equals(self)) {
            return;
        }
        long now = ticker.getAsLong();
        for (int i = 2; i < parts.length; i++) {
            String[] c = parts[i].split(":", 3);
            if (c.length == 3) {
                if (!c[1].isEmpty()) {
                    contendedAt.put("p:" + c[1], now);
                }
                if (!c[2].isEmpty()) {
                    contendedAt.put("s:" + c[2], now);
                }
            }
        }
    }

    /** Whether another instance was heard waiting for this pool or semaphore within the contention hold. */
    boolean contended(String pool, String semaphore) {
        long now = ticker.getAsLong();
        return isContended("p:" + pool, now) || isContended("s:" + semaphore, now);
    }

    static boolean isContentionMessage(String message) {
        return message.startsWith("c ");
    }

    private boolean isContended(String resource, long now) {
        Long at = contendedAt.get(resource);
        return at != null && now - at < contentionHold;
    }

    private boolean isCooling(Lease lease, long now) {
        if (lease.keyId() == null) {
            return false;
        }
        Long until = coolingUntil.get(keyName(lease));
        if (until == null) {
            return false;
        }
        if (now - until >= 0) {
            coolingUntil.remove(keyName(lease), until);
            return false;
        }
        return true;
    }

    private static String keyName(Lease lease) {
        return lease.keyPool() + "\u0000" + lease.keyId();
    }

    private static boolean metered(KeyConfig key) {
        return key.rate() != null || key.budget() != null;
    }
}
