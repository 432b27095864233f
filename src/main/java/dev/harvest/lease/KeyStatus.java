package dev.harvest.lease;

import java.time.Duration;

/**
 * What {@code harvest keys list} shows for one key: never its secret.
 *
 * @param requestsLeft requests the key may still take in its rate window now; -1 without a rate limit
 * @param budgetLeft   cost the key may still take in its budget window now; -1 without a budget
 * @param charged      cost charged to the key so far, with every settled actual cost
 */
public record KeyStatus(String pool, String keyId, int inUse, int cap, Duration cooldownRemaining, long totalClaims,
                        long rateLimited, long requestsLeft, double budgetLeft, double charged) {

    /** A key without rate or budget limits. */
    public KeyStatus(String pool, String keyId, int inUse, int cap, Duration cooldownRemaining, long totalClaims,
                     long rateLimited) {
        this(pool, keyId, inUse, cap, cooldownRemaining, totalClaims, rateLimited, -1, -1, 0);
    }
}
