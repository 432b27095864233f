package dev.harvest.task;

import java.util.Objects;

/**
 * A priority lane. A lower {@code priority} number means more important (0 is the highest lane).
 */
public record Lane(String name, int priority) implements Comparable<Lane> {

    public Lane {
        Objects.requireNonNull(name, "name");
        if (priority < 0) {
            throw new IllegalArgumentException("priority must be >= 0");
        }
    }

    @Override
    public int compareTo(Lane other) {
        return Integer.compare(priority, other.priority);
    }
}
