package dev.harvest.execution;

import dev.harvest.config.HandlerConfig;
import dev.harvest.task.Task;
import dev.harvest.task.TaskOutcome;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in {@code http} handler: one asynchronous {@code java.net.http} call per attempt.
 *
 * <p>The request carries the task's payload as a JSON body ({@code {}} when absent; no body for GET),
 * {@code Content-Type: application/json}, {@code Authorization: Bearer <secret>} when the attempt holds a
 * key, {@code Idempotency-Key} (the task's idempotency key, else its id), {@code X-Harvest-Task-Id} and
 * {@code X-Harvest-Attempt}. The configured {@code timeout} bounds each request. The response, or the
 * failure, is turned into an outcome by {@link OutcomeClassifier}; the returned stage never fails. A 2xx response
 * may report the call's actual cost in an {@code X-Harvest-Cost} header (a number, e.g. tokens used), which
 * settles the cost the task reserved in its key's budget.
 * The secret is put on the wire only: it is never logged and never part of an outcome.
 */
public final class HttpTaskHandler implements TaskHandler {

    /** Connect timeout of clients made by {@link #newClient}. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(HttpTaskHandler.class);

    private final HandlerConfig config;
    private final HttpClient client;
    private final URI uri;
    private final Clock clock;

    /** A handler that sends through {@code client}, which the caller owns (and may share). */
    public HttpTaskHandler(HandlerConfig config, HttpClient client) {
        this(config, client, Clock.systemUTC());
    }

    /** As {@link #HttpTaskHandler(HandlerConfig, HttpClient)} with the clock used to read HTTP-date {@code Retry-After}. */
    public HttpTaskHandler(HandlerConfig config, HttpClient client, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.client = Objects.requireNonNull(client, "client");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (!"http".equals(config.kind())) {
            throw new IllegalArgumentException("not an http handler config: kind=" + config.kind());
        }
        this.uri = URI.create(config.url());
    }

    /** A handler with a client of its own ({@link #newClient} with the default connect timeout). */
    public static HttpTaskHandler create(HandlerConfig config) {
        return new HttpTaskHandler(config, newClient(DEFAULT_CONNECT_TIMEOUT, null));
    }

    /**
     * An HTTP/1.1 client suitable for sharing between handlers.
     *
     * @param executor runs the client's callbacks; {@code null} for the JDK default
     */
    public static HttpClient newClient(Duration connectTimeout, Executor executor) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(connectTimeout);
        if (executor != null) {
            builder.executor(executor);
        }
        return builder.build();
    }

    @Override
    public CompletionStage<TaskOutcome> handle(TaskContext context) {
        HttpRequest request;
        try {
            request = request(context);
        } catch (RuntimeException badRequest) {
            // e.g. a task id that is not a legal header value: retrying cannot fix it.
            return CompletableFuture.completedFuture(OutcomeClassifier.fromFailure(badRequest));
        }
        String taskId = context.task().id();
        try {
            return client.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                    .handle((response, failure) -> classify(taskId, response, failure));
        } catch (RuntimeException sendFailure) {
            return CompletableFuture.completedFuture(OutcomeClassifier.fromFailure(sendFailure));
        }
    }

    /** The URL this handler calls. */
    public URI uri() {
        return uri;
    }

    private HttpRequest request(TaskContext context) {
        Task task = context.task();
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header("Idempotency-Key", task.effectiveIdempotencyKey())
                .header("X-Harvest-Task-Id", task.id())
                .header("X-Harvest-Attempt", Integer.toString(context.attempt().number()));
        context.secretOpt().ifPresent(secret -> builder.header("Authorization", "Bearer " + secret.reveal()));
        if ("GET".equals(config.method())) {
            return builder.GET().build();
        }
        return builder.method(config.method(), LeaseCheckedBody.of(body(task), context::isLeaseHeld)).build();
    }

    private static String body(Task task) {
        String payload = task.payloadJson();
        return payload == null || payload.isBlank() ? "{}" : payload;
    }

    private TaskOutcome classify(String taskId, HttpResponse<String> response, Throwable failure) {
        TaskOutcome outcome = failure == null
                ? OutcomeClassifier.fromHttp(response.statusCode(), response.headers(), response.body(), clock)
                : OutcomeClassifier.fromFailure(failure);
        if (LOG.isDebugEnabled()) {
            // Only the task id, the status and the outcome's class: never the request (it holds the secret).
            LOG.debug("task {} {} -> {}", taskId, failure == null ? response.statusCode() : "failed",
                    outcome.getClass().getSimpleName());
        }
        return outcome;
    }
}
