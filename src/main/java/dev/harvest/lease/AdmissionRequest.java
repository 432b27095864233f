package dev.harvest.lease;

import dev.harvest.task.Lane;
import java.util.Objects;

/**
 * What a task must hold before it runs: a key of {@code keyPool} and a permit of {@code permits}; either may be
 * null when the task's handler needs no key or no permit.
 */
public record AdmissionRequest(String taskId, Lane lane, String keyPool, String permits) {

    public AdmissionRequest {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(lane, "lane");
    }

    /** True when the request needs neither a key nor a permit. */
    public boolean isFree() {
        return keyPool == null && permits == null;
    }
}
