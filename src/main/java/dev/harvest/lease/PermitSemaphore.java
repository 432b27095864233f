package dev.harvest.lease;

/** Read side of a cluster-wide permit semaphore, for gauges and tooling. */
public interface PermitSemaphore {

    /** Permits currently held. */
    int inUse(String name);

    /** Total permits. */
    int capacity(String name);
}
