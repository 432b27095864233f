package dev.harvest.config;

import java.time.Duration;
import java.util.Collection;

/** Validation helpers for the compact constructors of the config records; each names the field. */
final class Check {

    private Check() {
    }

    static String notBlank(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new ConfigException(field, "must not be blank");
        }
        return value;
    }

    static int positive(String field, int value) {
        if (value <= 0) {
            throw new ConfigException(field, "must be > 0, was " + value);
        }
        return value;
    }

    static int atLeast(String field, int value, int min) {
        if (value < min) {
            throw new ConfigException(field, "must be >= " + min + ", was " + value);
        }
        return value;
    }

    static Duration positive(String field, Duration value) {
        if (value == null) {
            throw new ConfigException(field, "is required");
        }
        if (value.isNegative() || value.isZero()) {
            throw new ConfigException(field, "must be a positive duration, was " + Durations.format(value));
        }
        return value;
    }

    static Duration notNegative(String field, Duration value) {
        if (value == null) {
            throw new ConfigException(field, "is required");
        }
        if (value.isNegative()) {
            throw new ConfigException(field, "must not be negative, was " + Durations.format(value));
        }
        return value;
    }

    static double fraction(String field, double value) {
        if (!(value >= 0.0 && value <= 1.0)) {
            throw new ConfigException(field, "must be between 0 and 1, was " + value);
        }
        return value;
    }

    static <T extends Collection<?>> T notEmpty(String field, T value) {
        if (value == null || value.isEmpty()) {
            throw new ConfigException(field, "must not be empty");
        }
        return value;
    }

    /** Fails naming {@code field[i]} when the list has an empty entry (a bare {@code -} in YAML). */
    static <T> java.util.List<T> noEmptyEntries(String field, java.util.List<T> list) {
        if (list == null) {
            return null;
        }
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == null) {
                throw new ConfigException(field + "[" + i + "]", "must not be empty");
            }
        }
        return list;
    }

    static String topicName(String field, String value) {
        notBlank(field, value);
        if (value.length() > 249 || !value.matches("[a-zA-Z0-9._-]+") || value.equals(".") || value.equals("..")) {
            throw new ConfigException(field, "is not a valid Kafka topic name: '" + value + "'");
        }
        return value;
    }

    static String identifier(String field, String value) {
        notBlank(field, value);
        if (!value.matches("[a-zA-Z0-9][a-zA-Z0-9._-]*")) {
            throw new ConfigException(field, "must use letters, digits, '.', '_' or '-', was '" + value + "'");
        }
        return value;
    }
}
