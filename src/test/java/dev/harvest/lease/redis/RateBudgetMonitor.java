package dev.harvest.lease.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The independent monitor of the rate and budget tests: a fake provider that notes, per key, when each call
 * reached it (its own clock) and what the call actually cost, then finds the busiest window. It knows nothing of
 * Redis.
 */
final class RateBudgetMonitor {

    /** A call whose grant happened at some moment in {@code [fromNanos, toNanos]}, as seen from this side. */
    record Call(long fromNanos, long toNanos, long costMicros) {
    }

    private final Map<String, List<Call>> calls = new ConcurrentHashMap<>();

    void called(String keyId, long costMicros) {
        long now = System.nanoTime();
        called(keyId, now, now, costMicros);
    }

    /** A call granted between {@code fromNanos} (the request went out) and {@code toNanos} (the answer came in). */
    void called(String keyId, long fromNanos, long toNanos, long costMicros) {
        calls.computeIfAbsent(keyId, k -> new CopyOnWriteArrayList<>()).add(new Call(fromNanos, toNanos, costMicros));
    }

    Map<String, List<Call>> calls() {
        return calls;
    }

    long count(String keyId) {
        return calls.getOrDefault(keyId, List.of()).size();
    }

    long costMicros(String keyId) {
        return calls.getOrDefault(keyId, List.of()).stream().mapToLong(Call::costMicros).sum();
    }

    /**
     * Most calls of {@code keyId} certainly granted within one window of {@code windowNanos}: calls whose whole
     * interval lies inside a window starting at some call's earliest moment. Delivery delays widen intervals and
     * so can hide a violation, never invent one.
     */
    long maxCallsInWindow(String keyId, long windowNanos) {
        return busiest(keyId, windowNanos, false);
    }

    /** Most cost of {@code keyId} certainly charged within one window of {@code windowNanos}, in millionths. */
    long maxCostInWindow(String keyId, long windowNanos) {
        return busiest(keyId, windowNanos, true);
    }

    private long busiest(String keyId, long windowNanos, boolean cost) {
        List<Call> sorted = new ArrayList<>(calls.getOrDefault(keyId, List.of()));
        sorted.sort((a, b) -> Long.compare(a.fromNanos(), b.fromNanos()));
        long best = 0;
        for (int start = 0; start < sorted.size(); start++) {
            long windowEnd = sorted.get(start).fromNanos() + windowNanos;
            long sum = 0;
            for (int j = start; j < sorted.size() && sorted.get(j).fromNanos() < windowEnd; j++) {
                if (sorted.get(j).toNanos() < windowEnd) {
                    sum += cost ? sorted.get(j).costMicros() : 1;
                }
            }
            best = Math.max(best, sum);
        }
        return best;
    }
}
