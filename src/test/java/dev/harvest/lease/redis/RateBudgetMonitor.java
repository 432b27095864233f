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

    record Call(long atNanos, long costMicros) {
    }

    private final Map<String, List<Call>> calls = new ConcurrentHashMap<>();

    void called(String keyId, long costMicros) {
        called(keyId, System.nanoTime(), costMicros);
    }

    void called(String keyId, long atNanos, long costMicros) {
        calls.computeIfAbsent(keyId, k -> new CopyOnWriteArrayList<>()).add(new Call(atNanos, costMicros));
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

    /** Most calls of {@code keyId} in any window of {@code windowNanos} (half-open, starting at a call). */
    long maxCallsInWindow(String keyId, long windowNanos) {
        return busiest(keyId, windowNanos, false);
    }

    /** Most cost of {@code keyId} in any window of {@code windowNanos}, in millionths. */
    long maxCostInWindow(String keyId, long windowNanos) {
        return busiest(keyId, windowNanos, true);
    }

    private long busiest(String keyId, long windowNanos, boolean cost) {
        List<Call> sorted = new ArrayList<>(calls.getOrDefault(keyId, List.of()));
        sorted.sort((a, b) -> Long.compare(a.atNanos(), b.atNanos()));
        long best = 0;
        long sum = 0;
        int end = 0;
        for (int start = 0; start < sorted.size(); start++) {
            while (end < sorted.size() && sorted.get(end).atNanos() - sorted.get(start).atNanos() < windowNanos) {
                sum += cost ? sorted.get(end).costMicros() : 1;
                end++;
            }
            best = Math.max(best, sum);
            sum -= cost ? sorted.get(start).costMicros() : 1;
        }
        return best;
    }
}
