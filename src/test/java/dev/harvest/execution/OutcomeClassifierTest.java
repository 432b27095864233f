package dev.harvest.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.task.DeadLetterReason;
import dev.harvest.task.TaskOutcome;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OutcomeClassifierTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC);

    @Test
    void shouldCarryReportedCostWhenResponseHasCostHeader() {
        TaskOutcome outcome = OutcomeClassifier.fromHttp(200, Map.of("x-harvest-cost", List.of(" 812.5 ")), "{}", CLOCK);

        assertThat(outcome).isEqualTo(new TaskOutcome.Completed("{}", 812.5));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "many", "0", "-4", "NaN", "1e12"})
    void shouldKeepReservationWhenCostHeaderIsUnreadable(String value) {
        TaskOutcome outcome = OutcomeClassifier.fromHttp(200, Map.of("X-Harvest-Cost", List.of(value)), "{}", CLOCK);

        assertThat(outcome).isEqualTo(new TaskOutcome.Completed("{}", null));
    }

    @Test
    void shouldCompleteWithCompactJsonWhenStatusIs2xx() {
        TaskOutcome outcome = OutcomeClassifier.fromHttp(200, Map.of(), "{ \"a\" : 1 }", CLOCK);

        assertThat(outcome).isEqualTo(new TaskOutcome.Completed("{\"a\":1}"));
    }

    @Test
    void shouldWrapBodyAsJsonStringWhenBodyIsNotJson() {
        TaskOutcome outcome = OutcomeClassifier.fromHttp(201, Map.of(), "plain \"text\"", CLOCK);

        assertThat(outcome).isEqualTo(new TaskOutcome.Completed("\"plain \\\"text\\\"\""));
    }

    @Test
    void shouldCompleteWithNullWhenBodyIsEmpty() {
        assertThat(OutcomeClassifier.fromHttp(204, Map.of(), "", CLOCK)).isEqualTo(new TaskOutcome.Completed("null"));
    }

    @Test
    void shouldHonourRetryAfterSecondsWhenStatusIs429() {
        TaskOutcome outcome = OutcomeClassifier.fromHttp(429, Map.of("retry-after", List.of("7")), "", CLOCK);

        assertThat(outcome).isEqualTo(new TaskOutcome.RateLimited(Duration.ofSeconds(7)));
    }

    @Test
    void shouldHonourRetryAfterHttpDateWhenStatusIs429() {
        Map<String, List<String>> headers = Map.of("Retry-After", List.of("Wed, 01 Jan 2025 00:00:30 GMT"));

        TaskOutcome outcome = OutcomeClassifier.fromHttp(429, headers, "", CLOCK);

        assertThat(outcome).isEqualTo(new TaskOutcome.RateLimited(Duration.ofSeconds(30)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "soon", "-3", "Wed, 99 Foo 2025"})
    void shouldDefaultToOneSecondWhenRetryAfterIsGarbage(String value) {
        TaskOutcome outcome = OutcomeClassifier.fromHttp(429, Map.of("Retry-After", List.of(value)), "", CLOCK);

        assertThat(outcome).isEqualTo(new TaskOutcome.RateLimited(Duration.ofSeconds(1)));
    }

    @Test
    void shouldDefaultToOneSecondWhenRetryAfterIsAbsent() {
        assertThat(OutcomeClassifier.fromHttp(429, Map.of(), null, CLOCK))
                .isEqualTo(new TaskOutcome.RateLimited(Duration.ofSeconds(1)));
    }

    @ParameterizedTest
    @ValueSource(ints = {408, 500, 502, 503, 599})
    void shouldRetryWithTierDelayWhenStatusIsTransient(int status) {
        TaskOutcome outcome = OutcomeClassifier.fromHttp(status, Map.of(), "try again", CLOCK);

        assertThat(outcome).isEqualTo(new TaskOutcome.RetryLater(Duration.ZERO, "http-" + status,
                "HTTP " + status + ": try again"));
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 403, 404, 409, 422, 302})
    void shouldDeadLetterWhenStatusIsPermanent(int status) {
        TaskOutcome outcome = OutcomeClassifier.fromHttp(status, Map.of(), "", CLOCK);

        assertThat(outcome).isInstanceOfSatisfying(TaskOutcome.DeadLetter.class, dl -> {
            assertThat(dl.reason()).isEqualTo(DeadLetterReason.PERMANENT_FAILURE);
            assertThat(dl.errorClass()).isEqualTo("http-" + status);
        });
    }

    @Test
    void shouldCapAndMaskMessageWhenBodyIsLongAndEchoesToken() {
        String body = "{\"headers\":{\"Authorization\":\"Bearer sk-live-123\"}}" + "x".repeat(2_000);

        TaskOutcome outcome = OutcomeClassifier.fromHttp(500, Map.of(), body, CLOCK);

        String message = ((TaskOutcome.RetryLater) outcome).message();
        assertThat(message).hasSizeLessThanOrEqualTo(OutcomeClassifier.MAX_MESSAGE).doesNotContain("sk-live-123");
    }

    @Test
    void shouldRetryWhenFailureIsWrappedTimeout() {
        TaskOutcome outcome = OutcomeClassifier.fromFailure(
                new CompletionException(new ExecutionException(new TimeoutException("slow"))));

        assertThat(outcome).isEqualTo(new TaskOutcome.RetryLater(Duration.ZERO,
                TimeoutException.class.getName(), "slow"));
    }

    @Test
    void shouldRetryWhenFailureIsIo() {
        assertThat(OutcomeClassifier.fromFailure(new HttpTimeoutException("request timed out")))
                .isInstanceOf(TaskOutcome.RetryLater.class);
        assertThat(OutcomeClassifier.fromFailure(new CompletionException(new ConnectException())))
                .isEqualTo(new TaskOutcome.RetryLater(Duration.ZERO, ConnectException.class.getName(),
                        "ConnectException"));
        assertThat(OutcomeClassifier.fromFailure(new IOException("reset")))
                .isInstanceOf(TaskOutcome.RetryLater.class);
    }

    @Test
    void shouldDeadLetterWhenFailureIsUnexpected() {
        TaskOutcome outcome = OutcomeClassifier.fromFailure(new CompletionException(new IllegalStateException("bug")));

        assertThat(outcome).isEqualTo(new TaskOutcome.DeadLetter(DeadLetterReason.PERMANENT_FAILURE,
                IllegalStateException.class.getName(), "bug"));
    }
}
