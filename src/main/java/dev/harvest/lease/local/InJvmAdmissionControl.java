package dev.harvest.lease.local;

import dev.harvest.config.KeyPoolConfig;
import dev.harvest.config.LaneConfig;
import dev.harvest.config.PermitConfig;
import dev.harvest.lease.AdmissionControl;
import dev.harvest.lease.AdmissionRequest;
import dev.harvest.lease.AdmissionTimeoutException;
import dev.harvest.lease.BudgetCheck;
import dev.harvest.lease.LanePriorities;
import dev.harvest.lease.Lease;
import dev.harvest.task.Cost;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Admission held in this JVM only: the same semantics as the Redis implementation (least-loaded key, per-key
 * cap, 429 cooldowns, rate and budget windows with cost settlement, reserved permits, lane-ordered waiting) but
 * not shared between instances and without expiry. Windows run on the injected clock; waiters blocked by a window
 * are woken when it has room again. For unit tests and single-process development; a cluster needs the Redis
 * implementation.
 */
public final class InJvmAdmissionControl implements AdmissionControl {

    private final Map<String, LocalKeyPool> pools = new HashMap<>();
    private final Map<String, LocalSemaphore> semaphores = new HashMap<>();
    private final Map<String, Lease> held = new HashMap<>();
    /** Cost reserved per held lease, in millionths of a unit. */
    private final Map<String, Long> reserved = new HashMap<>();
    /** Waiters by what they need, first come first served: when the first of a line does not fit, none behind does. */
    private final Map<Needs, ArrayDeque<Waiter>> lines = new HashMap<>();
    private final String leaseIdPrefix = UUID.randomUUID() + "-";
    private final AtomicLong tokens = new AtomicLong();
    private final AtomicLong sequence = new AtomicLong();
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private ScheduledFuture<?> nextRoom;
    private Instant nextRoomAt;

    public InJvmAdmissionControl(List<KeyPoolConfig> pools, List<PermitConfig> permits, List<LaneConfig> lanes,
                                 ScheduledExecutorService scheduler, Clock clock) {
        this.scheduler = scheduler;
        this.clock = clock;
        pools.forEach(p -> this.pools.put(p.name(), new LocalKeyPool(p)));
        permits.forEach(p -> semaphores.put(p.name(),
                new LocalSemaphore(p.permits(), LanePriorities.reservedAboveByLane(p, lanes))));
    }

    @Override
    public CompletionStage<Optional<Lease>> tryAcquire(AdmissionRequest request) {
        synchronized (this) {
            return CompletableFuture.completedFuture(Optional.ofNullable(grab(request)));
        }
    }

    @Override
    public CompletionStage<Lease> acquire(AdmissionRequest request, Duration maxWait) {
        if (request.keyPool() != null && pools.containsKey(request.keyPool())) {
            try {
                BudgetCheck.requireAffordable(pools.get(request.keyPool()).config(), request.cost());
            } catch (IllegalArgumentException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        Waiter waiter = new Waiter(request, sequence.incrementAndGet());
        synchronized (this) {
            lines.computeIfAbsent(waiter.needs, n -> new ArrayDeque<>()).addLast(waiter);
        }
        grantWaiting();
        if (!waiter.future.isDone()) {
            ScheduledFuture<?> timeout = scheduler.schedule(() -> expire(waiter, maxWait), maxWait.toMillis(),
                    TimeUnit.MILLISECONDS);
            waiter.future.whenComplete((lease, failure) -> timeout.cancel(false));
        }
        return waiter.future;
    }

    @Override
    public CompletionStage<Void> release(Lease lease, Double actualCost) {
        synchronized (this) {
            if (held.remove(lease.leaseId()) == null) {
                return CompletableFuture.completedFuture(null);
            }
            Long charge = reserved.remove(lease.leaseId());
            if (lease.keyPool() != null) {
                pools.get(lease.keyPool()).release(lease.keyId());
                if (charge != null && actualCost != null && (actualCost == 0 || Cost.isValid(actualCost))) {
                    pools.get(lease.keyPool()).settle(lease.keyId(), lease.leaseId(), charge,
                            actualCost == 0 ? 0 : Cost.toMicros(actualCost), clock.instant());
                }
            }
            if (lease.permits() != null) {
                semaphores.get(lease.permits()).release();
            }
        }
        grantWaiting();
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> cooldown(Lease lease, Duration retryAfter) {
        if (lease.keyPool() == null) {
            return CompletableFuture.completedFuture(null);
        }
        Duration rest;
        synchronized (this) {
            rest = pools.get(lease.keyPool()).cooldown(lease.keyId(), retryAfter, clock.instant());
        }
        scheduler.schedule(this::grantWaiting, rest.toMillis() + 1, TimeUnit.MILLISECONDS);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public boolean isHeld(Lease lease) {
        synchronized (this) {
            return lease.holdsNothing() || held.containsKey(lease.leaseId());
        }
    }

    /** Permits held now in {@code semaphore} (for tests and gauges). */
    public synchronized int permitsInUse(String semaphore) {
        return semaphores.get(semaphore).inUse();
    }

    /** Requests {@code keyId} of {@code pool} may take now in its rate window; -1 without a rate limit. */
    public synchronized long requestsLeft(String pool, String keyId) {
        LocalWindows w = pools.get(pool).windows(keyId);
        return w == null ? -1 : w.requestsLeft(clock.millis());
    }

    /** Cost {@code keyId} of {@code pool} may take now in its budget window; -1 without a budget. */
    public synchronized double budgetLeft(String pool, String keyId) {
        LocalWindows w = pools.get(pool).windows(keyId);
        long left = w == null ? -1 : w.budgetLeft(clock.millis());
        return left < 0 ? -1 : Cost.fromMicros(left);
    }

    /** Cost charged to {@code keyId} of {@code pool} so far, with settled actual costs. */
    public synchronized double charged(String pool, String keyId) {
        LocalWindows w = pools.get(pool).windows(keyId);
        return w == null ? 0 : Cost.fromMicros(w.charged());
    }

    /** Leases held now on {@code keyId} of {@code pool}. */
    public synchronized int keyInUse(String pool, String keyId) {
        return pools.get(pool).inUse(keyId);
    }

    @Override
    public synchronized void close() {
        for (ArrayDeque<Waiter> line : lines.values()) {
            for (Waiter w : line) {
                w.future.completeExceptionally(new IllegalStateException("admission control closed"));
            }
        }
        lines.clear();
    }

    private void expire(Waiter waiter, Duration maxWait) {
        boolean removed;
        synchronized (this) {
            ArrayDeque<Waiter> line = lines.get(waiter.needs);
            removed = line != null && line.remove(waiter);
        }
        if (removed) {
            waiter.future.completeExceptionally(new AdmissionTimeoutException(describe(waiter.request), maxWait));
        }
    }

    /** Grants every waiter that fits now, highest lane first; a waiter that does not fit blocks only its own line. */
    private void grantWaiting() {
        List<Map.Entry<Waiter, Lease>> granted = new ArrayList<>();
        synchronized (this) {
            PriorityQueue<ArrayDeque<Waiter>> heads = new PriorityQueue<>(Comparator.comparing(ArrayDeque::peekFirst));
            for (ArrayDeque<Waiter> line : lines.values()) {
                if (!line.isEmpty()) {
                    heads.add(line);
                }
            }
            Instant earliest = null;
            ArrayDeque<Waiter> line;
            while ((line = heads.poll()) != null) {
                Waiter w = line.peekFirst();
                Lease lease = grab(w.request);
                if (lease != null) {
                    line.pollFirst();
                    granted.add(Map.entry(w, lease));
                    if (!line.isEmpty()) {
                        heads.add(line);
                    }
                } else if (w.request.keyPool() != null) {
                    earliest = earlier(earliest, pools.get(w.request.keyPool()).nextRoom(clock.instant(),
                            w.needs.costMicros()));
                }
            }
            lines.values().removeIf(ArrayDeque::isEmpty);
            wakeAt(earliest);
        }
        for (Map.Entry<Waiter, Lease> g : granted) {
            if (!g.getKey().future.complete(g.getValue())) {
                release(g.getValue(), 0.0); // nobody took the grant: it was never used, so it costs nothing
            }
        }
    }

    private static Instant earlier(Instant a, Instant b) {
        return a == null ? b : b == null || a.isBefore(b) ? a : b;
    }

    /** Tries waiters again when a window has room (one timer, the earliest). Caller holds the lock. */
    private void wakeAt(Instant at) {
        Instant now = clock.instant();
        if (at == null || !at.isAfter(now) || (nextRoom != null && !nextRoom.isDone() && !at.isBefore(nextRoomAt))) {
            return;
        }
        if (nextRoom != null) {
            nextRoom.cancel(false);
        }
        nextRoomAt = at;
        try {
            nextRoom = scheduler.schedule(this::grantWaiting, Duration.between(now, at).toMillis() + 1,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            nextRoom = null; // shutting down
        }
    }

    /** Takes a key and a permit together, or nothing. Caller holds the lock. */
    private Lease grab(AdmissionRequest request) {
        LocalSemaphore semaphore = request.permits() == null ? null : semaphores.get(request.permits());
        LocalKeyPool pool = request.keyPool() == null ? null : pools.get(request.keyPool());
        if (semaphore != null && !semaphore.canTake(request.lane().name())) {
            return null;
        }
        String keyId = null;
        String leaseId = leaseIdPrefix + sequence.incrementAndGet();
        long cost = Cost.toMicros(request.cost());
        if (pool != null) {
            keyId = pool.claimLeastLoaded(clock.instant(), cost, leaseId);
            if (keyId == null) {
                return null;
            }
            reserved.put(leaseId, cost);
        }
        if (semaphore != null) {
            semaphore.take();
        }
        Lease lease = new Lease(leaseId, tokens.incrementAndGet(), request.keyPool(), keyId, request.permits(),
                Long.MAX_VALUE);
        held.put(lease.leaseId(), lease);
        return lease;
    }

    private static String describe(AdmissionRequest r) {
        return (r.keyPool() == null ? "" : "key of " + r.keyPool()) + (r.keyPool() != null && r.permits() != null
                ? " and " : "") + (r.permits() == null ? "" : "permit of " + r.permits());
    }

    /** What a request needs; requests with the same needs fit or not alike. */
    private record Needs(String lane, String pool, String permits, long costMicros) { }

    private static final class Waiter implements Comparable<Waiter> {
        final AdmissionRequest request;
        final Needs needs;
        final long seq;
        final CompletableFuture<Lease> future = new CompletableFuture<>();

        Waiter(AdmissionRequest request, long seq) {
            this.request = request;
            this.needs = new Needs(request.lane().name(), request.keyPool(), request.permits(),
                    Cost.toMicros(request.cost()));
            this.seq = seq;
        }

        @Override
        public int compareTo(Waiter o) {
            int byLane = Integer.compare(request.lane().priority(), o.request.lane().priority());
            return byLane != 0 ? byLane : Long.compare(seq, o.seq);
        }
    }
}
