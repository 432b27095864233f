package dev.harvest.lease;

/**
 * A granted admission: one key of a pool and one permit of a semaphore, held together.
 *
 * @param leaseId       unique id of this grant
 * @param fencingToken  strictly increasing per resource; a newer holder always has a larger token
 * @param keyPool       the pool, or null when no key was asked for
 * @param keyId         the key's id (never its secret), or null
 * @param permits       the semaphore's name, or null
 * @param deadlineNanos local {@link System#nanoTime()} after which the holder must treat the lease as lost
 *                      unless it was renewed; {@link Long#MAX_VALUE} for leases that cannot expire
 */
public record Lease(String leaseId, long fencingToken, String keyPool, String keyId, String permits,
                    long deadlineNanos) {

    /** A lease that holds nothing, for handlers that need neither a key nor a permit. */
    public static Lease none(String leaseId) {
        return new Lease(leaseId, 0, null, null, null, Long.MAX_VALUE);
    }

    public boolean holdsNothing() {
        return keyPool == null && permits == null;
    }

    /** With another local deadline, after a renewal. */
    public Lease withDeadline(long newDeadlineNanos) {
        return new Lease(leaseId, fencingToken, keyPool, keyId, permits, newDeadlineNanos);
    }
}
