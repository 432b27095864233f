package dev.harvest.task;

import java.time.Duration;
import java.util.Objects;

/**
 * What became of one attempt of a task. Decided in one place (the execution classifier), routed in
 * one place (the lane processor).
 */
public sealed interface TaskOutcome {

    /**
     * The provider did the work; {@code resultJson} is the JSON document to publish (never a secret).
     * {@code actualCost}, when the provider reported it, settles the cost reserved at admission; null keeps it.
     */
    record Completed(String resultJson, Double actualCost) implements TaskOutcome {
        public Completed {
            Objects.requireNonNull(resultJson, "resultJson");
            if (actualCost != null && !Cost.isValid(actualCost)) {
                throw new IllegalArgumentException("actualCost must be a number > 0 and <= 1e9, was " + actualCost);
            }
        }

        /** Completed without a reported cost: the reservation stands. */
        public Completed(String resultJson) {
            this(resultJson, null);
        }
    }

    /** A transient failure: try again after (at least) the retry tier's delay. */
    record RetryLater(Duration delay, String errorClass, String message) implements TaskOutcome {
        public RetryLater {
            Objects.requireNonNull(delay, "delay");
        }
    }

    /** The provider said slow down (HTTP 429): the key cools down, the task retries after {@code retryAfter}. */
    record RateLimited(Duration retryAfter) implements TaskOutcome {
        public RateLimited {
            Objects.requireNonNull(retryAfter, "retryAfter");
        }
    }

    /** Retrying cannot help: the task goes to the dead-letter topic with {@code reason}. */
    record DeadLetter(DeadLetterReason reason, String errorClass, String message) implements TaskOutcome {
        public DeadLetter {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
