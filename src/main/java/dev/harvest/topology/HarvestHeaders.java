package dev.harvest.topology;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Record header names and helpers. Every header the project writes is a UTF-8 string, so a person can read
 * it with {@code kafka-console-consumer --property print.headers=true} or kcat.
 */
public final class HarvestHeaders {

    public static final String PREFIX = "harvest.";
    public static final String ATTEMPT = "harvest.attempt";
    public static final String FIRST_SEEN = "harvest.first-seen";
    public static final String LANE = "harvest.lane";
    public static final String DUE_AT = "harvest.due-at";
    public static final String ORIGIN_TOPIC = "harvest.origin.topic";
    public static final String ORIGIN_PARTITION = "harvest.origin.partition";
    public static final String ORIGIN_OFFSET = "harvest.origin.offset";
    public static final String DLQ_REASON = "harvest.dlq.reason";
    public static final String ERROR_CLASS = "harvest.error.class";
    public static final String ERROR_MESSAGE = "harvest.error.message";
    public static final String ATTEMPTS = "harvest.attempts";
    public static final String FAILED_AT = "harvest.failed-at";
    public static final String REPLAY = "harvest.replay";
    public static final String CONNECT_TOPIC = "__connect.errors.topic";
    public static final String CONNECT_PARTITION = "__connect.errors.partition";
    public static final String CONNECT_OFFSET = "__connect.errors.offset";
    public static final String CONNECT_EXCEPTION_CLASS = "__connect.errors.exception.class.name";
    public static final String CONNECT_EXCEPTION_MESSAGE = "__connect.errors.exception.message";

    private HarvestHeaders() {
    }

    /** The last value of {@code name} as a string, or null (also for bytes that are not UTF-8 text). */
    public static String get(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        if (header == null || header.value() == null) {
            return null;
        }
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    /** The last value of {@code name} as a long, or {@code fallback} when absent or not a number. */
    public static long getLong(Headers headers, String name, long fallback) {
        String text = get(headers, name);
        if (text == null) {
            return fallback;
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /**
     * The last value of {@code name} as an instant (ISO-8601 or epoch millis), or null, also for an instant that
     * epoch millis cannot hold (such as year 999999999), so that callers may always use {@code toEpochMilli()}.
     */
    public static Instant getInstant(Headers headers, String name) {
        String text = get(headers, name);
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            Instant instant = IsoInstants.parse(text.trim());
            instant.toEpochMilli();
            return instant;
        } catch (DateTimeParseException | ArithmeticException e) {
            long millis = getLong(headers, name, Long.MIN_VALUE);
            return millis == Long.MIN_VALUE ? null : Instant.ofEpochMilli(millis);
        }
    }

    /** Adds one UTF-8 {@code name} header, for a name the headers do not hold (see {@code copyHeadersExcept}). */
    public static void append(Headers headers, String name, String value) {
        headers.add(name, (value == null ? "" : value).getBytes(StandardCharsets.UTF_8));
    }

    /** Replaces every {@code name} header with one UTF-8 value. */
    public static void set(Headers headers, String name, String value) {
        headers.remove(name);
        append(headers, name, value);
    }
}
