package dev.harvest.lease.local;

import java.util.Map;

/** One permit semaphore in memory. Not thread-safe: guarded by {@link InJvmAdmissionControl}. */
final class LocalSemaphore {

    private final int total;
    private final Map<String, Integer> reservedAbove;
    private int inUse;

    LocalSemaphore(int total, Map<String, Integer> reservedAbove) {
        this.total = total;
        this.reservedAbove = reservedAbove;
    }

    /** A lane may take a permit while more permits are free than the lanes above it keep reserved. */
    boolean canTake(String lane) {
        return total - inUse > reservedAbove.getOrDefault(lane, 0);
    }

    void take() {
        inUse++;
    }

    void release() {
        inUse = Math.max(0, inUse - 1);
    }

    int inUse() {
        return inUse;
    }
}
