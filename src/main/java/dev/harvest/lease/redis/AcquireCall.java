package dev.harvest.lease.redis;

import dev.harvest.lease.Lease;
import dev.harvest.lease.redis.Waiter.WaitClass;
import dev.harvest.redis.ScriptReply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One call of acquire.lua: the requests it carries (highest lane first), the wait classes with how many requests
 * of each this instance has waiting, and the encoding of both; then the reading of its reply.
 */
final class AcquireCall {

    static final int GRANTED = 1;
    static final int UNKNOWN_POOL = -2;
    static final int UNKNOWN_SEMAPHORE = -3;
    /** Capacity was free, but an instance that waits longer goes first (fairness between instances). */
    static final int YIELDED = -4;
    /** How long freed capacity is held back for the instance that waits longest (see acquire.lua). */
    static final long HANDOFF_GRACE_MS = 50;

    final List<Waiter> batch;
    final Map<WaitClass, Integer> classes;
    final long wakesAtSend;
    long sentAt;

    AcquireCall(List<Waiter> batch, Map<WaitClass, Integer> classes, long wakesAtSend) {
        this.batch = batch;
        this.classes = classes;
        this.wakesAtSend = wakesAtSend;
    }

    List<String> args(AdmissionOptions options, String instanceId) {
        List<String> args = new ArrayList<>(6 + classes.size() * 2 + batch.size() * 7);
        args.add(Integer.toString(options.reclaimPerAcquire()));
        args.add(instanceId);
        args.add(Long.toString(HANDOFF_GRACE_MS));
        // An instance that waits refreshes its place at least every pollMax (safety poll): stale after twice that.
        args.add(Long.toString(Math.max(1000, options.pollMax().toMillis() * 2)));
        args.add(Integer.toString(classes.size()));
        Map<WaitClass, Integer> index = new HashMap<>();
        classes.forEach((c, n) -> {
            index.put(c, index.size() + 1);
            args.add(c.priority() + ":" + c.pool() + ":" + c.semaphore());
            args.add(Integer.toString(n));
        });
        args.add(Integer.toString(batch.size()));
        for (Waiter w : batch) {
            args.add(w.leaseId);
            args.add(w.waitClass.pool());
            args.add(w.waitClass.semaphore());
            args.add(Integer.toString(w.reservedAbove));
            args.add(Long.toString(w.ttlMillis));
            args.add(Integer.toString(w.tryOnly ? -index.get(w.waitClass) : index.get(w.waitClass)));
            args.add(Long.toString(w.costMicros));
        }
        return args;
    }

    /** True when the reply has the shape this call expects: {now, wakeIn, timeOnly, then 3 per request}. */
    boolean fits(ScriptReply reply) {
        return reply.size() == 3 + batch.size() * 3;
    }

    static int status(ScriptReply reply, int i) {
        return reply.intAt(3 + i * 3);
    }

    /**
     * When the server thinks a blocked request might succeed at the latest (expiry, cooldown end, room in a rate
     * or budget window); -1 if never.
     */
    static long wakeInMillis(ScriptReply reply) {
        return reply.longAt(1);
    }

    /** True when the blocked requests wait for time alone (rate, budget, cooldown): no release helps earlier. */
    static boolean timeOnly(ScriptReply reply) {
        return reply.intAt(2) == 1;
    }

    /**
     * The lease granted to request {@code i}. Its local deadline counts from {@code sentNoLaterThanGrant}: the
     * send time of this call, or of an earlier call with the same lease id whose answer was lost (the grant may
     * be that call's), so it always falls before the expiry Redis computed when it ran the script.
     */
    Lease lease(ScriptReply reply, int i, AdmissionOptions options, long sentNoLaterThanGrant) {
        Waiter w = batch.get(i);
        String keyId = reply.stringAt(5 + i * 3);
        long deadline = sentNoLaterThanGrant + TimeUnit.MILLISECONDS.toNanos(w.ttlMillis)
                - options.marginNanos(Duration.ofMillis(w.ttlMillis));
        return new Lease(w.leaseId, reply.longAt(4 + i * 3), w.request.keyPool(), keyId.isEmpty() ? null : keyId,
                w.request.permits(), deadline);
    }
}
