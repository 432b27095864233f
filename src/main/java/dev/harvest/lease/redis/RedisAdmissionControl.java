package dev.harvest.lease.redis;

import dev.harvest.config.KeyPoolConfig;
import dev.harvest.config.PipelineConfig;
import dev.harvest.lease.AdmissionControl;
import dev.harvest.lease.AdmissionRequest;
import dev.harvest.lease.AdmissionUnavailableException;
import dev.harvest.lease.BudgetCheck;
import dev.harvest.lease.Lease;
import dev.harvest.lease.redis.AdmissionOptions.WakeUp;
import dev.harvest.lease.redis.Waiter.WaitClass;
import dev.harvest.metrics.MetricNames;
import dev.harvest.redis.RedisClients;
import dev.harvest.task.Cost;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Admission backed by Redis, shared by every instance of the pipeline: the key pools and permit semaphores live
 * in Redis and change only through the Lua scripts under {@code lua/}. Acquisitions and releases of this instance
 * are batched into few script calls (see {@link AcquireBatcher}); held leases are renewed in one call every TTL/3.
 *
 * <p>Lifecycle: construct, {@link #start()} (syncs the pools of the pipeline file into Redis, subscribes to
 * wake-ups), use, {@link #close()} (fails waiters, gives back held leases). The {@link RedisClients} stay open:
 * the caller owns them and closes them after this.
 */
public final class RedisAdmissionControl implements AdmissionControl {

    /** The actual cost of a lease that was never used. */
    private static final Double UNUSED = 0.0;

    private final RedisClients clients;
    private final AdmissionSetup setup;
    private final AdmissionOptions options;
    private final KeySpace keySpace;
    private final AdmissionScripts scripts;
    private final String instanceId = HexFormat.of().toHexDigits(new SecureRandom().nextLong());
    private final AtomicLong sequence = new AtomicLong();
    private final ScheduledThreadPoolExecutor timer;
    private final RequestTimeouts timeouts;
    private final ExecutorService callbacks;
    private final HeldLeases held;
    private final AcquireBatcher acquirer;
    private final ReleaseBatcher releaser;
    private final LeaseReuse reuse;
    private final KeptLeases kept;
    private final WaitPaths paths;
    private final PoolSync pools;
    private final Settlement settlement;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile ScheduledFuture<?> renewals;
    private volatile WakeUpSubscription wakeUps;

    /** Production wiring: the pipeline's pools and semaphores, default options, the system ticker. */
    public RedisAdmissionControl(RedisClients clients, PipelineConfig config, MeterRegistry registry) {
        this(clients, AdmissionSetup.of(config), AdmissionOptions.defaults(), System::nanoTime, registry);
    }

    /**
     * @param nanoTicker a {@link System#nanoTime()} stand-in: local lease deadlines are measured with it, so a
     *                   test can let time jump as it does for a process that was suspended
     */
    public RedisAdmissionControl(RedisClients clients, AdmissionSetup setup, AdmissionOptions options, LongSupplier nanoTicker,
                                 MeterRegistry registry) {
        this.clients = clients;
        this.setup = setup;
        this.options = options;
        this.keySpace = new KeySpace(setup.pipeline());
        this.scripts = new AdmissionScripts(clients.async(), keySpace, registry);
        this.timer = new ScheduledThreadPoolExecutor(1, Blocking.daemonThreads("harvest-admission-timer"));
        this.timer.setRemoveOnCancelPolicy(true);
        this.callbacks = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                Blocking.daemonThreads("harvest-admission-callback"));
        this.held = new HeldLeases(scripts, options, nanoTicker, registry);
        this.paths = new WaitPaths(nanoTicker, registry);
        this.reuse = new LeaseReuse(setup, options, nanoTicker, registry, paths);
        this.kept = new KeptLeases(timer, this::keepClass, lease -> toRedis(lease, null), lease -> settle(lease, null));
        this.pools = new PoolSync(scripts, setup, held, timer);
        this.settlement = new Settlement(setup, options, held, reuse, callbacks, pools, paths, closed::get,
                unused -> release(unused, UNUSED));
        this.acquirer = new AcquireBatcher(scripts, options, nanoTicker, timer, instanceId, settlement,
                () -> {
                    if (kept.size() > 0) {
                        Blocking.runOn(callbacks, kept::offerAll);
                    }
                });
        Gauge.builder(MetricNames.ADMISSION_WAITING, acquirer, AcquireBatcher::waitingCount)
                .description("Admission requests of this instance waiting for a key or permit").register(registry);
        Gauge.builder(MetricNames.LEASES_HELD, held, HeldLeases::size)
                .description("Leases this instance holds").register(registry);
        Gauge.builder(MetricNames.LEASES_KEPT, kept, KeptLeases::size)
                .description("Leases this instance holds with no task, kept for its next request").register(registry);
        boolean pubSub = options.wakeUp() == WakeUp.PUBSUB;
        this.releaser = new ReleaseBatcher(scripts, options.maxBatch(), nanoTicker, timer, callbacks,
                pubSub ? () -> { } : acquirer::wake);
        settlement.bind(acquirer, releaser);
        this.timeouts = new RequestTimeouts(timer, settlement::timedOut);
    }

    /**
     * Writes the pipeline file's pools and semaphores into Redis (live leases are kept), subscribes to wake-ups
     * and starts renewals. Blocks for at most a few command timeouts.
     *
     * @throws AdmissionUnavailableException when Redis cannot be reached
     */
    public RedisAdmissionControl start() {
        if (!started.compareAndSet(false, true)) {
            return this;
        }
        Blocking.await(syncPools(), clients.commandTimeout().multipliedBy(3), "sync the key pools");
        if (options.wakeUp() == WakeUp.PUBSUB) {
            wakeUps = WakeUpSubscription.subscribe(clients, keySpace.freedChannel(), instanceId, acquirer::wake,
                    message -> {
                        reuse.onMessage(message, instanceId);
                        if (LeaseReuse.isContentionMessage(message)) {
                            kept.returnDue(); // another instance waits: what it may need goes back at once
                        }
                    });
        }
        long every = setup.shortestTtl(options.keyOnlyLeaseTtl()).toNanos() / 3;
        renewals = timer.scheduleWithFixedDelay(held::renewAll, every, every, TimeUnit.NANOSECONDS);
        return this;
    }

    /** Syncs the pipeline's pools and semaphores into Redis; concurrent calls share one script call. */
    public CompletionStage<Void> syncPools() {
        return pools.sync();
    }

    @Override
    public CompletionStage<Optional<Lease>> tryAcquire(AdmissionRequest request) {
        if (request.isFree()) {
            return CompletableFuture.completedFuture(Optional.of(Lease.none(request.taskId())));
        }
        return submit(request, true, null).thenApply(Optional::ofNullable);
    }

    @Override
    public CompletionStage<Lease> acquire(AdmissionRequest request, Duration maxWait) {
        if (request.isFree()) {
            return CompletableFuture.completedFuture(Lease.none(request.taskId()));
        }
        return submit(request, false, maxWait);
    }

    private CompletableFuture<Lease> submit(AdmissionRequest request, boolean tryOnly, Duration maxWait) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new AdmissionUnavailableException("admission control is closed", null));
        }
        Waiter w;
        try {
            w = newWaiter(request, tryOnly);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        paths.submitted(w);
        Lease keptLease = kept.take(w.waitClass);
        if (keptLease != null) {
            w.settle(); // a new request: nothing else can settle it yet
            reuse.handedOver(w);
            w.deliverHere(keptLease, unclaimed -> release(unclaimed, UNUSED));
            return w.result;
        }
        if (maxWait != null) {
            timeouts.arm(w, maxWait);
        }
        w.result.whenComplete((lease, failure) -> {
            if (w.result.isCancelled() && w.settle()) {
                settlement.abandon(w);
            }
        });
        acquirer.submit(w);
        if (kept.hasFor(w.waitClass)) {
            kept.offerAll(); // a lease was kept between the look above and the queueing
        }
        return w.result;
    }

    /** The class {@code lease} may be kept for, or null (closing, kept leases off, or a hand-over rule fails). */
    private WaitClass keepClass(Lease lease) {
        return closed.get() || !options.keepLeases() ? null : reuse.reuseClass(lease, () -> held.isHeld(lease));
    }

    private Waiter newWaiter(AdmissionRequest request, boolean tryOnly) {
        if (request.keyPool() != null) {
            KeyPoolConfig pool = setup.pool(request.keyPool()).orElseThrow(
                    () -> new IllegalArgumentException("unknown key pool '" + request.keyPool() + "'"));
            BudgetCheck.requireAffordable(pool, request.cost());
        }
        int reservedAbove = request.permits() == null ? 0 : setup.reservedAbove(request.permits(), request.lane());
        long ttl = setup.leaseTtl(request.permits(), options.keyOnlyLeaseTtl()).toMillis();
        long seq = sequence.incrementAndGet(); // one number for both: the order of requests made at once
        return new Waiter(request, instanceId + "." + Long.toString(seq, 36), seq, tryOnly, reservedAbove, ttl);
    }

    @Override
    public CompletionStage<Void> release(Lease lease, Double actualCost) {
        return release(lease, actualCost, true);
    }

    @Override
    public CompletionStage<Void> release(Lease lease, Double actualCost, boolean callEnded) {
        if (lease.holdsNothing() || closed.get() && !held.isHeld(lease)) {
            // Closing gives back every lease held; an attempt cut short by the stop ends after that.
            return CompletableFuture.completedFuture(null);
        }
        // A lease that never reached the provider (cancelled, turned away, stopping), or whose call may still be
        // running there, goes back to Redis.
        boolean unused = actualCost != null && actualCost == 0;
        if (!unused && callEnded && !closed.get()) {
            return settle(lease, actualCost);
        }
        return toRedis(lease, actualCost);
    }

    /**
     * A lease whose task ended: to a request of its class waiting here, else kept for the next one, else back to
     * Redis. It is not kept while a request of another lane waits here for its pool or semaphore: Redis decides
     * whether that one may have it (a permit reserved for a lane is not for the lanes below it).
     */
    private CompletionStage<Void> settle(Lease lease, Double actualCost) {
        if (reuse.handOver(lease, () -> held.isHeld(lease), acquirer, callbacks,
                unclaimed -> release(unclaimed, UNUSED))) {
            return CompletableFuture.completedFuture(null);
        }
        WaitClass c = keepClass(lease);
        if (c != null && !acquirer.anyWaitsFor(c)) {
            kept.keep(lease, c);
            return CompletableFuture.completedFuture(null);
        }
        return toRedis(lease, actualCost);
    }

    /** Gives {@code lease} back to Redis. */
    private CompletionStage<Void> toRedis(Lease lease, Double actualCost) {
        reuse.returned(lease);
        String actual = actualCost == null ? "" : actualCost == 0 ? "0"
                : Cost.isValid(actualCost) ? Long.toString(Cost.toMicros(actualCost)) : "";
        held.untrack(lease);
        long ttl = setup.leaseTtl(lease.permits(), options.keyOnlyLeaseTtl()).toNanos();
        return releaser.release(lease.leaseId(), Long.toString(lease.fencingToken()), actual, ttl);
    }

    @Override
    public CompletionStage<Void> cooldown(Lease lease, Duration retryAfter) {
        if (lease.keyPool() == null || lease.keyId() == null) {
            return CompletableFuture.completedFuture(null);
        }
        Duration poolCooldown = setup.pool(lease.keyPool()).map(KeyPoolConfig::cooldownOn429).orElse(Duration.ZERO);
        reuse.cooling(lease, retryAfter.compareTo(poolCooldown) > 0 ? retryAfter : poolCooldown);
        return scripts.cooldown(lease.keyPool(), lease.keyId(), retryAfter.toMillis(), true).thenApply(reply -> null);
    }

    @Override
    public boolean isHeld(Lease lease) {
        return held.isHeld(lease);
    }

    /**
     * Reclaims expired leases of crashed or stalled holders and ended cooldowns, for the singleton reaper job
     * {@code job} whose leader holds {@code token}; returns how many leases, or -1 (touching nothing) when that
     * token is no longer the job's leader's.
     */
    public CompletionStage<Integer> reapExpired(String job, long token) {
        return scripts.reap(1000, job, token).thenApply(reply -> reply.intAt(0));
    }

    /** Requests with a long wait that have not settled yet. */
    int longWaitsTracked() {
        return timeouts.longWaitsTracked();
    }

    /** Tasks waiting in the admission timer: request timeouts, renewals, retries after an error. */
    int timerTasks() {
        return timer.getQueue().size();
    }

    /** Script calls this instance made so far (also in the {@code harvest.redis.calls} meter). */
    public long redisCalls() {
        return scripts.calls();
    }

    public int heldCount() {
        return held.size();
    }

    public int waitingCount() {
        return acquirer.waitingCount();
    }

    @Override
    public String toString() {
        return "RedisAdmissionControl[" + setup.pipeline() + ", instance " + instanceId + ", held " + held.size() + ", "
                + acquirer.describe() + "]";
    }

    /** Test hook: the lease hand-over state. */
    LeaseReuse reuse() {
        return reuse;
    }

    /** Test hook: stop (or resume) renewals, as if this process were suspended. */
    void suspendRenewals(boolean suspend) {
        held.suspend(suspend);
    }

    /** Fails waiting requests, gives back every held lease (waits briefly), stops timers. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (renewals != null) {
            renewals.cancel(false);
        }
        for (Waiter w : acquirer.close()) {
            settlement.failed(w, new AdmissionUnavailableException("admission control closed", null));
        }
        timeouts.clear();
        kept.clear(); // held: given back with the others below
        List<CompletableFuture<Void>> releases = new ArrayList<>();
        for (Lease lease : held.leases()) {
            releases.add(release(lease).toCompletableFuture());
        }
        // Leases not given back in time expire by their TTL.
        Blocking.awaitAll(releases, clients.commandTimeout().plusSeconds(1));
        if (wakeUps != null) {
            wakeUps.close();
        }
        timer.shutdownNow();
        callbacks.shutdown();
    }
}
