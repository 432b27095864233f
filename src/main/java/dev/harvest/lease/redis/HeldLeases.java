package dev.harvest.lease.redis;

import dev.harvest.lease.Lease;
import dev.harvest.metrics.MetricNames;
import dev.harvest.metrics.TagNames;
import dev.harvest.redis.ScriptReply;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leases this instance holds, their local deadlines, and their renewal: every TTL/3 one batched script call
 * renews all of them. A deadline is the {@link System#nanoTime()}-style tick taken <em>before</em> the call was
 * sent, plus the TTL, minus a safety margin, so it always falls before the server-side expiry. A lease whose
 * deadline passes, or that Redis reports gone, is lost: counted once in {@link MetricNames#LEASES_LOST} and no
 * longer {@link #isHeld held}.
 */
final class HeldLeases {

    private static final Logger LOG = LoggerFactory.getLogger(HeldLeases.class);
    private static final int RENEW_CHUNK = 512;

    static final class Held {
        final Lease lease;
        final long ttlMillis;
        final String lane;
        volatile long deadline;
        final AtomicBoolean lost = new AtomicBoolean();

        Held(Lease lease, long ttlMillis, String lane) {
            this.lease = lease;
            this.ttlMillis = ttlMillis;
            this.lane = lane;
            this.deadline = lease.deadlineNanos();
        }
    }

    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private final AdmissionScripts scripts;
    private final AdmissionOptions options;
    private final LongSupplier ticker;
    private final MeterRegistry registry;
    private final Map<String, Counter> lostCounters = new ConcurrentHashMap<>();
    private final AtomicBoolean renewing = new AtomicBoolean();
    private volatile boolean suspended;

    HeldLeases(AdmissionScripts scripts, AdmissionOptions options, LongSupplier ticker, MeterRegistry registry) {
        this.scripts = scripts;
        this.options = options;
        this.ticker = ticker;
        this.registry = registry;
    }

    void track(Lease lease, long ttlMillis, String lane) {
        held.put(lease.leaseId(), new Held(lease, ttlMillis, lane));
    }

    /** Stops tracking; a lease given back after its deadline passed counts as lost. */
    void untrack(Lease lease) {
        Held h = held.remove(lease.leaseId());
        if (h != null && ticker.getAsLong() - h.deadline >= 0) {
            markLost(h);
        }
    }

    boolean isHeld(Lease lease) {
        if (lease.holdsNothing()) {
            return true;
        }
        Held h = held.get(lease.leaseId());
        if (h == null || h.lease.fencingToken() != lease.fencingToken() || h.lost.get()) {
            return false;
        }
        if (ticker.getAsLong() - h.deadline >= 0) {
            lose(h);
            return false;
        }
        return true;
    }

    int size() {
        return held.size();
    }

    List<Lease> leases() {
        return held.values().stream().map(h -> h.lease).toList();
    }

    /** Test hook: a suspended holder (think SIGSTOP) sends no renewals. */
    void suspend(boolean suspend) {
        this.suspended = suspend;
    }

    /**
     * One renewal round: all held leases in as few calls as possible (one per 512 leases). Never throws: it runs
     * on a fixed-delay timer, which would stop for good after an exception.
     */
    void renewAll() {
        if (suspended || !renewing.compareAndSet(false, true)) {
            return;
        }
        try {
            renewRound().whenComplete((v, e) -> renewing.set(false));
        } catch (RuntimeException e) {
            renewing.set(false);
            LOG.warn("lease renewal round failed: {}", e.toString());
        }
    }

    /**
     * A renewal round that runs even while a periodic one is in flight (that one may have gone to a Redis that
     * has since restarted); completes when Redis answered. Used before asking for more after a pool sync, so
     * that running leases are written back first.
     */
    CompletableFuture<Void> writeBack() {
        if (suspended) {
            return CompletableFuture.completedFuture(null);
        }
        return renewRound();
    }

    private CompletableFuture<Void> renewRound() {
        List<Held> batch = new ArrayList<>();
        long now = ticker.getAsLong();
        for (Held h : held.values()) {
            if (now - h.deadline >= 0) {
                lose(h);
            } else {
                batch.add(h);
            }
        }
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        for (int from = 0; from < batch.size(); from += RENEW_CHUNK) {
            calls.add(renew(batch.subList(from, Math.min(batch.size(), from + RENEW_CHUNK))));
        }
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Void> renew(List<Held> chunk) {
        List<String> args = new ArrayList<>(1 + chunk.size() * 6);
        args.add(Integer.toString(chunk.size()));
        for (Held h : chunk) {
            args.add(h.lease.leaseId());
            args.add(Long.toString(h.lease.fencingToken()));
            args.add(Long.toString(h.ttlMillis));
            // What the lease holds, so that Redis can write it back if it lost its data (see renew.lua).
            args.add(orEmpty(h.lease.keyPool()));
            args.add(orEmpty(h.lease.keyId()));
            args.add(orEmpty(h.lease.permits()));
        }
        long sentAt = ticker.getAsLong();
        return scripts.run(AdmissionScripts.RENEW, args).<Void>handle((reply, failure) -> {
            if (failure != null) {
                LOG.warn("lease renewal failed ({} leases); they stay valid until their local deadline: {}",
                        chunk.size(), AdmissionScripts.translate(failure).getMessage());
            } else {
                applyRenewal(chunk, reply, sentAt);
            }
            return null;
        }).toCompletableFuture();
    }

    private void applyRenewal(List<Held> chunk, ScriptReply reply, long sentAt) {
        for (int i = 0; i < chunk.size(); i++) {
            Held h = chunk.get(i);
            if (reply.intAt(1 + i) == 1) {
                long ttl = TimeUnit.MILLISECONDS.toNanos(h.ttlMillis);
                long next = sentAt + ttl - options.marginNanos(Duration.ofMillis(h.ttlMillis));
                if (next - h.deadline > 0) {
                    h.deadline = next;
                }
            } else {
                lose(h);
            }
        }
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    /** Lost while still tracked; a lease released meanwhile (renewal raced its release) is not lost. */
    private void lose(Held h) {
        if (held.remove(h.lease.leaseId(), h)) {
            markLost(h);
        }
    }

    private void markLost(Held h) {
        if (h.lost.compareAndSet(false, true)) {
            lostCounters.computeIfAbsent(h.lane, lane -> Counter.builder(MetricNames.LEASES_LOST)
                    .description("Attempts whose lease was lost while the handler ran")
                    .tag(TagNames.LANE, lane).register(registry)).increment();
        }
    }
}
