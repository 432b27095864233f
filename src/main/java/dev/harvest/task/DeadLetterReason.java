package dev.harvest.task;

import java.util.Arrays;

/** Why a record went to the dead-letter topic; {@link #code()} is the value of the reason header. */
public enum DeadLetterReason {
    MAX_ATTEMPTS("max-attempts"),
    PERMANENT_FAILURE("permanent-failure"),
    MALFORMED("malformed"),
    UNKNOWN_TYPE("unknown-type"),
    OVERSIZED("oversized"),
    EXPIRED("expired");

    private final String code;

    DeadLetterReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    /** The reason for a header value, e.g. {@code max-attempts}. */
    public static DeadLetterReason fromCode(String code) {
        return Arrays.stream(values())
                .filter(r -> r.code.equals(code))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown dead-letter reason: " + code));
    }
}
