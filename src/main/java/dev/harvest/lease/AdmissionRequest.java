package dev.harvest.lease;

import dev.harvest.task.Cost;
import dev.harvest.task.Lane;
import java.util.Objects;

/**
 * What a task must hold before it runs: a key of {@code keyPool} and a permit of {@code permits}; either may be
 * null when the task's handler needs no key or no permit.
 *
 * @param cost what the task is expected to cost (e.g. tokens), reserved in the key's budget window when its pool
 *             has a budget; 1 for a task that declares none
 */
public record AdmissionRequest(String taskId, Lane lane, String keyPool, String permits, double cost) {

    public AdmissionRequest {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(lane, "lane");
        if (!Cost.isValid(cost)) {
            throw new IllegalArgumentException("cost must be a number > 0 and <= 1e9, was " + cost);
        }
    }

    /** A request that costs 1 unit. */
    public AdmissionRequest(String taskId, Lane lane, String keyPool, String permits) {
        this(taskId, lane, keyPool, permits, 1);
    }

    /** True when the request needs neither a key nor a permit. */
    public boolean isFree() {
        return keyPool == null && permits == null;
    }
}
