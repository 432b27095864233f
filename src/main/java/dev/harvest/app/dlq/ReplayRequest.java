package dev.harvest.app.dlq;

import java.time.Duration;
import java.util.Objects;

/**
 * What to replay and how.
 *
 * @param filter        which dead letters
 * @param toLane        send every one to this lane instead of the lane it came from; null for its own lane
 * @param dryRun        only say what would be replayed: nothing is sent and no audit record is written
 * @param canary        replay this many first and go on only if none of them dead-letters again; 0 for none
 * @param force         also replay dead letters the audit topic says were replayed before
 * @param canaryTimeout how long to wait for the canaries' outcomes before stopping
 * @param operator      who replays, for the audit record
 */
public record ReplayRequest(DeadLetterFilter filter, String toLane, boolean dryRun, int canary, boolean force,
                            Duration canaryTimeout, String operator) {

    public ReplayRequest {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(canaryTimeout, "canaryTimeout");
        if (canary < 0) {
            throw new IllegalArgumentException("canary must not be negative, was " + canary);
        }
        if (operator == null || operator.isBlank()) {
            operator = currentOperator();
        }
    }

    /** Replays what {@code filter} selects to each record's own lane, no canary, 2 minutes canary timeout. */
    public static ReplayRequest of(DeadLetterFilter filter) {
        return new ReplayRequest(filter, null, false, 0, false, Duration.ofMinutes(2), null);
    }

    public ReplayRequest withToLane(String lane) {
        return new ReplayRequest(filter, lane, dryRun, canary, force, canaryTimeout, operator);
    }

    public ReplayRequest withDryRun(boolean dry) {
        return new ReplayRequest(filter, toLane, dry, canary, force, canaryTimeout, operator);
    }

    public ReplayRequest withCanary(int n, Duration timeout) {
        return new ReplayRequest(filter, toLane, dryRun, n, force, timeout, operator);
    }

    public ReplayRequest withForce(boolean forced) {
        return new ReplayRequest(filter, toLane, dryRun, canary, forced, canaryTimeout, operator);
    }

    public ReplayRequest withOperator(String who) {
        return new ReplayRequest(filter, toLane, dryRun, canary, force, canaryTimeout, who);
    }

    /** {@code $HARVEST_OPERATOR}, else the {@code user.name} system property, else {@code unknown}. */
    public static String currentOperator() {
        String env = System.getenv("HARVEST_OPERATOR");
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        return System.getProperty("user.name", "unknown");
    }
}
