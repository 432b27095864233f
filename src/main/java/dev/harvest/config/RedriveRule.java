package dev.harvest.config;

import dev.harvest.task.DeadLetterReason;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * A rule of the DLQ redrive job: dead letters with this reason (and, if given, from this lane) that failed at
 * least {@code after} ago are sent back to the lane they came from, at most {@code limit} of them per run.
 * A dead letter is redriven at most once; if it fails again, its new dead letter is a record of its own.
 *
 * @param reason the {@code harvest.dlq.reason} to match, e.g. {@code max-attempts}
 * @param after  minimum age of a dead letter (by its failure time) before it is redriven
 * @param limit  at most this many dead letters per run of the job (the oldest first); default 100
 * @param lane   only dead letters of this lane; null for every lane
 */
public record RedriveRule(String reason, Duration after, Integer limit, String lane) {

    /** Dead letters a rule sends per run when its {@code limit} is not given. */
    public static final int DEFAULT_LIMIT = 100;

    public RedriveRule {
        Check.notBlank("reason", reason);
        if (Arrays.stream(DeadLetterReason.values()).noneMatch(r -> r.code().equals(reason))) {
            throw new ConfigException("reason", "must be one of " + Arrays.stream(DeadLetterReason.values())
                    .map(DeadLetterReason::code).collect(Collectors.joining(", ")) + ", was '" + reason + "'");
        }
        Check.positive("after", after);
        limit = limit == null ? DEFAULT_LIMIT : Check.positive("limit", limit);
        if (lane != null) {
            Check.identifier("lane", lane);
        }
    }
}
