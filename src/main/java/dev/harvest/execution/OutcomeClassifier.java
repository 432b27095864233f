package dev.harvest.execution;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.harvest.task.Cost;
import dev.harvest.task.DeadLetterReason;
import dev.harvest.task.TaskOutcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * The one place that turns raw results of a remote call into a {@link TaskOutcome}.
 *
 * <ul>
 *   <li>2xx: {@code Completed} with the body as result (non-JSON bodies are wrapped as a JSON string,
 *       an empty body becomes {@code null}); a {@value #COST_HEADER} header with a number > 0 is the actual
 *       cost of the call, which settles the cost reserved at admission (an unreadable one is ignored);</li>
 *   <li>429: {@code RateLimited}, honouring {@code Retry-After} in seconds or as an HTTP-date (1s when
 *       absent or unreadable);</li>
 *   <li>408 and 5xx: {@code RetryLater} with delay zero (meaning: use the retry tier's delay);</li>
 *   <li>any other status: {@code DeadLetter(PERMANENT_FAILURE)}.</li>
 * </ul>
 *
 * <p>Failures ({@link #fromFailure}) that mean "the work did not get done this time" (timeouts, I/O and
 * connect errors, cancellation, rejection by a shut-down executor) retry; anything else is permanent.
 * Messages are capped at {@value #MAX_MESSAGE} characters and bearer tokens in them are masked: a
 * provider that echoes request headers must not leak a key into a DLQ header.
 */
public final class OutcomeClassifier {

    /** Response header in which a provider (or a proxy in front of it) reports what a call actually cost. */
    public static final String COST_HEADER = "X-Harvest-Cost";
    /** Longest message put into an outcome. */
    public static final int MAX_MESSAGE = 500;
    /** Wait after a 429 without a usable {@code Retry-After}. */
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Pattern BEARER = Pattern.compile("(?i)(bearer)\\s+[^\\s\",;]+");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private OutcomeClassifier() {
    }

    /** Classifies a response received through {@code java.net.http}. */
    public static TaskOutcome fromHttp(int status, HttpHeaders headers, String body, Clock clock) {
        return fromHttp(status, headers == null ? Map.of() : headers.map(), body, clock);
    }

    /** Classifies an HTTP response; header names are matched case-insensitively. */
    public static TaskOutcome fromHttp(int status, Map<String, List<String>> headers, String body, Clock clock) {
        if (status >= 200 && status < 300) {
            return new TaskOutcome.Completed(asJson(body), cost(header(headers, COST_HEADER)));
        }
        if (status == 429) {
            return new TaskOutcome.RateLimited(retryAfter(header(headers, "Retry-After"), clock));
        }
        String message = shorten("HTTP " + status + (body == null || body.isBlank() ? "" : ": " + body));
        if (status == 408 || (status >= 500 && status < 600)) {
            return new TaskOutcome.RetryLater(Duration.ZERO, "http-" + status, message);
        }
        return new TaskOutcome.DeadLetter(DeadLetterReason.PERMANENT_FAILURE, "http-" + status, message);
    }

    /** Classifies a failed call, looking through {@link CompletionException} and {@link ExecutionException}. */
    public static TaskOutcome fromFailure(Throwable failure) {
        Throwable cause = unwrap(failure);
        String errorClass = cause.getClass().getName();
        String message = shorten(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
        if (isTransient(cause)) {
            return new TaskOutcome.RetryLater(Duration.ZERO, errorClass, message);
        }
        return new TaskOutcome.DeadLetter(DeadLetterReason.PERMANENT_FAILURE, errorClass, message);
    }

    /**
     * The wait a {@code Retry-After} value asks for: delta-seconds or an RFC 1123 date (never negative);
     * {@link #DEFAULT_RETRY_AFTER} when absent or unreadable.
     */
    public static Duration retryAfter(String value, Clock clock) {
        if (value == null || value.isBlank()) {
            return DEFAULT_RETRY_AFTER;
        }
        String v = value.trim();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? DEFAULT_RETRY_AFTER : Duration.ofSeconds(seconds);
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration wait = Duration.between(clock.instant(), at.toInstant());
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (DateTimeParseException notDate) {
                return DEFAULT_RETRY_AFTER;
            }
        }
    }

    /** Caps {@code text} at {@link #MAX_MESSAGE} characters, collapses whitespace and masks bearer tokens. */
    public static String shorten(String text) {
        if (text == null) {
            return null;
        }
        String clean = BEARER.matcher(WHITESPACE.matcher(text).replaceAll(" ").trim()).replaceAll("$1 ***");
        return clean.length() <= MAX_MESSAGE ? clean : clean.substring(0, MAX_MESSAGE - 3) + "...";
    }

    /** The reported cost, or null when absent or not a number > 0 and <= 1e9. */
    static Double cost(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            double cost = Double.parseDouble(value.trim());
            return Cost.isValid(cost) ? cost : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String asJson(String body) {
        if (body == null || body.isBlank()) {
            return "null";
        }
        try {
            JsonNode node = JSON.readTree(body);
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException notJson) {
            try {
                return JSON.writeValueAsString(body);
            } catch (JsonProcessingException impossible) {
                throw new IllegalStateException("cannot encode a string as JSON", impossible);
            }
        }
    }

    private static String header(Map<String, List<String>> headers, String name) {
        if (headers == null) {
            return null;
        }
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)
                    && e.getValue() != null && !e.getValue().isEmpty()) {
                return e.getValue().get(0);
            }
        }
        return null;
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException
                || t instanceof UncheckedIOException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static boolean isTransient(Throwable t) {
        // HttpTimeoutException and ConnectException are IOExceptions.
        return t instanceof IOException
                || t instanceof TimeoutException
                || t instanceof CancellationException
                || t instanceof RejectedExecutionException
                || t instanceof InterruptedException;
    }
}
