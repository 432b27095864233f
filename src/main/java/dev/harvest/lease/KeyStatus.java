package dev.harvest.lease;

import java.time.Duration;

/** What {@code harvest keys list} shows for one key: never its secret. */
public record KeyStatus(String pool, String keyId, int inUse, int cap, Duration cooldownRemaining, long totalClaims,
                        long rateLimited) {
}
