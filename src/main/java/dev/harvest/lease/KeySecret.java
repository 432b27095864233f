package dev.harvest.lease;

import java.util.Objects;

/** An API key's secret. Its {@link #toString()} never shows the value, so it cannot leak through a log line. */
public final class KeySecret {

    private final String value;

    public KeySecret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    /** The secret itself: only for putting it on the wire to the provider. */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "KeySecret[***]";
    }
}
