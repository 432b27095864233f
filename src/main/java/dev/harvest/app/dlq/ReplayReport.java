package dev.harvest.app.dlq;

import java.util.List;

/**
 * What a replay did (or, for a dry run, would do).
 *
 * @param auditId         the id written in the audit records and in each replayed record's {@code harvest.replay}
 * @param operator        who replayed
 * @param dryRun          whether nothing was sent
 * @param planned         the dead letters selected, each with the lane it goes to
 * @param alreadyReplayed how many matched the filter but were skipped because the audit lists them
 * @param unroutable      dead letters whose lane could not be told (no lane/origin header, no {@code --to-lane})
 * @param sent            how many were sent back to a lane
 * @param canary          the canary's result, or null when there was none
 * @param stopReason      why the replay stopped before sending everything planned, or null
 */
public record ReplayReport(String auditId, String operator, boolean dryRun, List<Planned> planned,
                           int alreadyReplayed, List<DeadLetter> unroutable, int sent, Canary canary,
                           String stopReason) {

    /** A dead letter and where it goes. */
    public record Planned(DeadLetter deadLetter, String targetLane, String targetTopic) {
    }

    /**
     * The outcome of the canary batch.
     *
     * @param size      canaries sent
     * @param completed canaries that completed
     * @param failed    canaries that dead-lettered again, as {@code key: reason}
     * @param timedOut  whether some outcomes were not seen in time
     */
    public record Canary(int size, int completed, List<String> failed, boolean timedOut) {

        public boolean passed() {
            return failed.isEmpty() && !timedOut && completed == size;
        }
    }

    public ReplayReport {
        planned = List.copyOf(planned);
        unroutable = List.copyOf(unroutable);
    }

    /** Whether the replay stopped before sending all it planned (a failed or unfinished canary). */
    public boolean stopped() {
        return stopReason != null;
    }
}
