package dev.harvest.task;

import java.time.Instant;
import java.util.Objects;

/**
 * Which try of a task this is (1 for the first) and when the task was first seen by the pipeline.
 */
public record Attempt(int number, Instant firstSeen) {

    public Attempt {
        Objects.requireNonNull(firstSeen, "firstSeen");
        if (number < 1) {
            throw new IllegalArgumentException("attempt number must be >= 1");
        }
    }

    public static Attempt first(Instant firstSeen) {
        return new Attempt(1, firstSeen);
    }

    public Attempt next() {
        return new Attempt(number + 1, firstSeen);
    }
}
