package dev.harvest.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MockProviderTest {

    private static final String SECRET = "sk-mock-1";

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private MockProvider provider;

    @AfterEach
    void stop() {
        if (provider != null) {
            provider.close();
        }
    }

    @Test
    void shouldAnswer401WhenKeyIsMissingOrUnknown() throws IOException {
        provider = MockProvider.builder().key("key-1", SECRET).medianLatency(Duration.ZERO).start();

        assertThat(send(null, "t-1", "{}").statusCode()).isEqualTo(401);
        assertThat(send("sk-wrong", "t-2", "{}").statusCode()).isEqualTo(401);
        assertThat(provider.unauthorizedCount()).isEqualTo(2);
        assertThat(provider.keyStats("key-1").calls()).isZero();
    }

    @Test
    void shouldAnswer200WithEchoWhenKeyIsKnown() throws IOException {
        provider = MockProvider.builder().key("key-1", SECRET).medianLatency(Duration.ofMillis(5)).start();

        HttpResponse<String> response = send(SECRET, "t-1", "{\"q\":1}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"keyId\":\"key-1\"", "\"echo\":{\"q\":1}").doesNotContain(SECRET);
        assertThat(provider.completionsByTaskId()).containsEntry("t-1", 1L);
    }

    @Test
    void shouldAnswer503DuringAnOutageAndRecoverByItselfWhenItEnds() throws IOException {
        provider = MockProvider.builder().key("key-1", SECRET).medianLatency(Duration.ZERO).start();

        assertThat(send(SECRET, "t-0", "{}").statusCode()).as("before the outage").isEqualTo(200);

        provider.outage(Duration.ofSeconds(1));
        assertThat(send(SECRET, "t-1", "{}").statusCode()).isEqualTo(503);
        assertThat(provider.keyStats("key-1").serverErrors()).isEqualTo(1);
        await().alias("the outage ends").atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
                .until(() -> send(SECRET, "t-2", "{}").statusCode() == 200);

        assertThat(provider.completionsByTaskId()).containsEntry("t-2", 1L).doesNotContainKey("t-1");
    }

    @Test
    void shouldAnswer429WithRetryAfterWhenKeyExceedsItsRate() throws IOException {
        provider = MockProvider.builder().key("key-1", SECRET).rpsPerKey(1).medianLatency(Duration.ZERO).start();

        List<HttpResponse<String>> responses = IntStream.range(0, 4)
                .mapToObj(i -> send(SECRET, "t-" + i, "{}")).toList();

        HttpResponse<String> limited = responses.stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
        assertThat(limited.headers().firstValue("Retry-After")).hasValueSatisfying(
                v -> assertThat(Long.parseLong(v)).isPositive());
        assertThat(provider.keyStats("key-1").rateLimited()).isPositive();
        assertThat(provider.keyStats("key-1").calls()).isEqualTo(4);
    }

    @Test
    void shouldAnswer400WhenPayloadIsPoison() throws IOException {
        provider = MockProvider.builder().key("key-1", SECRET).medianLatency(Duration.ZERO).start();

        assertThat(send(SECRET, "t-1", "{\"poison\": true}").statusCode()).isEqualTo(400);
        assertThat(send(SECRET, "t-2", "not json").statusCode()).isEqualTo(400);
    }

    @Test
    void shouldAnswer500WhenErrorRateIsCertain() throws IOException {
        provider = MockProvider.builder().key("key-1", SECRET).errorRate(1.0).medianLatency(Duration.ZERO).start();

        assertThat(send(SECRET, "t-1", "{}").statusCode()).isEqualTo(500);
        assertThat(provider.keyStats("key-1").serverErrors()).isEqualTo(1);
    }

    @Test
    void shouldRecordConcurrencyAndTaskCallsWhenRequestsOverlap() throws IOException {
        provider = MockProvider.builder().key("key-1", SECRET).key("key-2", "sk-mock-2").rpsPerKey(0)
                .medianLatency(Duration.ofSeconds(1)).tailSigma(0).start();

        List<CompletableFuture<HttpResponse<String>>> calls = IntStream.range(0, 6)
                .mapToObj(i -> sendAsync(i % 2 == 0 ? SECRET : "sk-mock-2", "t-" + (i % 3), "{}")).toList();
        calls.forEach(CompletableFuture::join);

        assertThat(calls).allSatisfy(c -> assertThat(c.join().statusCode()).isEqualTo(200));
        assertThat(provider.keyStats("key-1").maxInFlight()).isBetween(2, 3);
        assertThat(provider.maxConcurrentTotal()).isBetween(3, 6);
        assertThat(provider.callsByTaskId()).containsEntry("t-0", 2L).containsEntry("t-1", 2L).containsEntry("t-2", 2L);
        await("in-flight counters return to zero").atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(provider.concurrentTotal()).isZero());
        assertThat(provider.keyStats().keySet()).containsExactly("key-1", "key-2").doesNotContain(SECRET);
    }

    @Test
    void shouldAnswer429ToEveryCallWhenRefusingAllUntilTheWindowEnds() throws IOException {
        provider = MockProvider.builder().key("key-1", SECRET).rpsPerKey(0).medianLatency(Duration.ZERO).start();

        provider.faults().refuseAllFor(Duration.ofSeconds(30));
        assertThat(List.of(send(SECRET, "t-1", "{}"), send(SECRET, "t-2", "{}")))
                .allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(429));
        provider.faults().refuseAllFor(Duration.ZERO);
        assertThat(send(SECRET, "t-3", "{}").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswerSlowerWhenSlowedDown() throws IOException {
        provider = MockProvider.builder().key("key-1", SECRET).rpsPerKey(0).medianLatency(Duration.ofMillis(50))
                .tailSigma(0).start();

        provider.faults().slowDown(10);
        long start = System.nanoTime();
        assertThat(send(SECRET, "t-1", "{}").statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
    }

    private HttpResponse<String> send(String secret, String taskId, String body) {
        return sendAsync(secret, taskId, body).join();
    }

    private CompletableFuture<HttpResponse<String>> sendAsync(String secret, String taskId, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(provider.url()))
                .timeout(Duration.ofSeconds(10))
                .header("X-Harvest-Task-Id", taskId)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (secret != null) {
            request.header("Authorization", "Bearer " + secret);
        }
        return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
