package dev.harvest.execution;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.harvest.config.HandlerConfig;
import dev.harvest.lease.KeySecret;
import dev.harvest.task.Attempt;
import dev.harvest.task.DeadLetterReason;
import dev.harvest.task.Lane;
import dev.harvest.task.Task;
import dev.harvest.task.TaskOutcome;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpTaskHandlerTest {

    private static final String SECRET = "sk-test-secret";

    private final AtomicReference<HttpExchange> lastExchange = new AtomicReference<>();
    private final AtomicReference<String> lastBody = new AtomicReference<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile Response response = new Response(200, "{\"ok\":true}", null, false);
    private HttpServer server;
    private ExecutorService serverThreads;
    private HttpClient client;

    private record Response(int status, String body, String retryAfter, boolean hang) {
    }

    @BeforeEach
    void startServer() throws IOException {
        serverThreads = Executors.newCachedThreadPool();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(serverThreads);
        server.createContext("/v1/work", this::serve);
        server.start();
        client = HttpTaskHandler.newClient(Duration.ofSeconds(2), null);
    }

    @AfterEach
    void stopServer() {
        release.countDown();
        server.stop(0);
        serverThreads.shutdownNow();
    }

    @Test
    void shouldCompleteWithBodyWhenProviderAnswers2xx() {
        response = new Response(200, "{\"answer\": 42}", null, false);

        assertThat(call(handler(Duration.ofSeconds(5)), task("{\"q\":1}")))
                .isEqualTo(new TaskOutcome.Completed("{\"answer\":42}"));
    }

    @Test
    void shouldSendPayloadAndHeadersWhenCalling() {
        call(handler(Duration.ofSeconds(5)), new Task("t-1", "fetch", "{\"q\":1}", "idem-1", null));

        assertThat(lastBody.get()).isEqualTo("{\"q\":1}");
        var headers = lastExchange.get().getRequestHeaders();
        assertThat(lastExchange.get().getRequestMethod()).isEqualTo("POST");
        assertThat(headers.getFirst("Authorization")).isEqualTo("Bearer " + SECRET);
        assertThat(headers.getFirst("Idempotency-Key")).isEqualTo("idem-1");
        assertThat(headers.getFirst("X-Harvest-Task-Id")).isEqualTo("t-1");
        assertThat(headers.getFirst("X-Harvest-Attempt")).isEqualTo("2");
        assertThat(headers.getFirst("Content-Type")).isEqualTo("application/json");
    }

    @Test
    void shouldSendEmptyObjectAndTaskIdAsIdempotencyKeyWhenTaskHasNeither() {
        call(handler(Duration.ofSeconds(5)), task(null));

        assertThat(lastBody.get()).isEqualTo("{}");
        assertThat(lastExchange.get().getRequestHeaders().getFirst("Idempotency-Key")).isEqualTo("t-1");
    }

    @Test
    void shouldOmitAuthorizationWhenAttemptHoldsNoKey() {
        TaskContext context = new TaskContext(task("{}"), Attempt.first(Instant.now()), new Lane("low", 2), null, null);

        handler(Duration.ofSeconds(5)).handle(context).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();

        assertThat(lastExchange.get().getRequestHeaders().containsKey("Authorization")).isFalse();
    }

    @Test
    void shouldRateLimitWithRetryAfterWhenProviderAnswers429() {
        response = new Response(429, "", "12", false);

        assertThat(call(handler(Duration.ofSeconds(5)), task("{}")))
                .isEqualTo(new TaskOutcome.RateLimited(Duration.ofSeconds(12)));
    }

    @Test
    void shouldRetryWhenProviderAnswers5xx() {
        response = new Response(503, "unavailable", null, false);

        assertThat(call(handler(Duration.ofSeconds(5)), task("{}")))
                .isEqualTo(new TaskOutcome.RetryLater(Duration.ZERO, "http-503", "HTTP 503: unavailable"));
    }

    @Test
    void shouldDeadLetterWhenProviderAnswers400() {
        response = new Response(400, "bad input", null, false);

        assertThat(call(handler(Duration.ofSeconds(5)), task("{}")))
                .isInstanceOfSatisfying(TaskOutcome.DeadLetter.class,
                        dl -> assertThat(dl.reason()).isEqualTo(DeadLetterReason.PERMANENT_FAILURE));
    }

    @Test
    void shouldRetryWhenProviderDoesNotAnswerInTime() {
        response = new Response(200, "{}", null, true);

        TaskOutcome outcome = call(handler(Duration.ofMillis(300)), task("{}"));

        assertThat(outcome).isInstanceOfSatisfying(TaskOutcome.RetryLater.class,
                r -> assertThat(r.errorClass()).isEqualTo(HttpTimeoutException.class.getName()));
    }

    @Test
    void shouldRetryWhenConnectionIsRefused() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        HandlerConfig config = config("http://127.0.0.1:" + closedPort + "/v1/work", Duration.ofSeconds(5));

        TaskOutcome outcome = call(new HttpTaskHandler(config, client), task("{}"));

        assertThat(outcome).isInstanceOfSatisfying(TaskOutcome.RetryLater.class,
                r -> assertThat(r.errorClass()).contains("ConnectException"));
    }

    @Test
    void shouldNeverExposeSecretWhenOutcomeIsAFailure() {
        response = new Response(500, "echo: Authorization: Bearer " + SECRET, null, false);

        TaskOutcome outcome = call(handler(Duration.ofSeconds(5)), task("{}"));

        assertThat(outcome.toString()).doesNotContain(SECRET);
    }

    @Test
    void shouldNotDeliverTheRequestAndRetryWhenLeaseIsLostBeforeTheBodyIsSent() {
        TaskContext context = new TaskContext(task("{\"q\":1}"), new Attempt(1, Instant.now()), new Lane("high", 0),
                "key-1", new KeySecret(SECRET), () -> false);

        TaskOutcome outcome = handler(Duration.ofSeconds(5)).handle(context).toCompletableFuture()
                .orTimeout(10, TimeUnit.SECONDS).join();

        assertThat(outcome).isInstanceOfSatisfying(TaskOutcome.RetryLater.class,
                r -> assertThat(r.message()).contains("lease lost"));
        assertThat(lastBody.get()).as("no request body reached the provider").isNull();
    }

    private HttpTaskHandler handler(Duration timeout) {
        return new HttpTaskHandler(config("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/work", timeout),
                client);
    }

    private static HandlerConfig config(String url, Duration timeout) {
        return new HandlerConfig("http", "POST", url, timeout, null, null, null, null, "pool", null);
    }

    private static Task task(String payload) {
        return new Task("t-1", "fetch", payload, null, null);
    }

    private static TaskOutcome call(TaskHandler handler, Task task) {
        TaskContext context = new TaskContext(task, new Attempt(2, Instant.now()), new Lane("high", 0), "key-1",
                new KeySecret(SECRET));
        return handler.handle(context).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private void serve(HttpExchange exchange) throws IOException {
        lastBody.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        lastExchange.set(exchange);
        Response r = response;
        if (r.hang()) {
            awaitRelease();
        }
        byte[] bytes = r.body().getBytes(StandardCharsets.UTF_8);
        if (r.retryAfter() != null) {
            exchange.getResponseHeaders().set("Retry-After", r.retryAfter());
        }
        exchange.sendResponseHeaders(r.status(), bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private void awaitRelease() {
        try {
            release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
