package dev.harvest.lease.local;

import dev.harvest.config.Budget;
import dev.harvest.config.RateLimit;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The rate and budget windows of one key in memory: the same sliding windows as the Redis scripts
 * (lua/lib/windows.lua), on the injected clock. Costs in millionths of a unit. Not thread-safe: guarded by
 * {@link InJvmAdmissionControl}.
 */
final class LocalWindows {

    private record Charge(long at, long micros) {
    }

    private final RateLimit rate;
    private final Budget budget;
    private final ArrayDeque<Long> grants = new ArrayDeque<>();
    private final LinkedHashMap<String, Charge> charges = new LinkedHashMap<>();
    private long spent;
    private long charged;
    private int extra;

    LocalWindows(RateLimit rate, Budget budget) {
        this.rate = rate;
        this.budget = budget;
    }

    boolean fits(long cost, long now) {
        trim(now);
        return (rate == null || grants.size() < rate.requests()) && (budget == null || spent + cost <= budget.micros());
    }

    /** Records a grant; returns the charge reserved (0 without a budget). */
    long charge(String leaseId, long cost, long now) {
        if (rate != null) {
            grants.addLast(now);
        }
        if (budget == null) {
            return 0;
        }
        charges.put(leaseId, new Charge(now, cost));
        spent += cost;
        charged += cost;
        return cost;
    }

    /** Replaces a reserved charge by the actual one; true when budget came free. */
    boolean settle(String leaseId, long reserved, long actual, long now) {
        long delta = actual - reserved;
        if (budget == null || delta == 0) {
            return false;
        }
        charged += delta;
        trim(now);
        Charge c = charges.get(leaseId);
        if (c != null) {
            charges.put(leaseId, new Charge(c.at(), actual));
        } else if (delta > 0) {
            charges.put(leaseId + "+" + (extra++), new Charge(now, delta));
        } else {
            return false;
        }
        spent = Math.max(0, spent + delta);
        return delta < 0;
    }

    /** The earliest time (ms) the windows take {@code cost}, at least now; -1 when it is above the budget. */
    long freeAt(long cost, long now) {
        trim(now);
        long at = now;
        if (rate != null && grants.size() >= rate.requests()) {
            Iterator<Long> it = grants.iterator();
            for (int i = 0; i < grants.size() - rate.requests(); i++) {
                it.next();
            }
            at = Math.max(at, it.next() + rate.per().toMillis());
        }
        if (budget != null && spent + cost > budget.micros()) {
            long need = spent + cost - budget.micros();
            for (Charge c : charges.values()) {
                need -= c.micros();
                if (need <= 0) {
                    return Math.max(at, c.at() + budget.per().toMillis());
                }
            }
            return -1;
        }
        return at;
    }

    long requestsLeft(long now) {
        trim(now);
        return rate == null ? -1 : Math.max(0, rate.requests() - grants.size());
    }

    long budgetLeft(long now) {
        trim(now);
        return budget == null ? -1 : Math.max(0, budget.micros() - spent);
    }

    long charged() {
        return charged;
    }

    private void trim(long now) {
        if (rate != null) {
            while (!grants.isEmpty() && grants.peekFirst() <= now - rate.per().toMillis()) {
                grants.pollFirst();
            }
        }
        if (budget != null) {
            for (Iterator<Map.Entry<String, Charge>> it = charges.entrySet().iterator(); it.hasNext(); ) {
                Charge c = it.next().getValue();
                if (c.at() > now - budget.per().toMillis()) {
                    break;
                }
                spent -= c.micros();
                it.remove();
            }
            spent = Math.max(0, spent);
        }
    }
}
