package dev.harvest.lease;

import java.time.Duration;
import java.util.List;

/** Runtime management of a key pool, shared by every instance: what {@code harvest keys …} does. */
public interface KeyPool {

    List<KeyStatus> list(String pool);

    /** Adds a key (or updates its secret); it can be claimed at once by every instance. */
    void add(String pool, String keyId, KeySecret secretOrNull);

    /** Removes a key: it is no longer handed out; leases already held run to their end. */
    boolean remove(String pool, String keyId);

    /** Puts a key into cooldown for {@code duration}, as a 429 would. */
    void cooldown(String pool, String keyId, Duration duration);
}
