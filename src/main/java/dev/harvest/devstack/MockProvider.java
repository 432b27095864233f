package dev.harvest.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local, rate-limited stand-in for a paid API, on the JDK {@link HttpServer} (loopback only).
 *
 * <p>{@code POST /v1/work} answers 401 without {@code Authorization: Bearer <known secret>}; 429 with
 * {@code Retry-After} (seconds) when the key exceeds its requests per second; 400 for a body that is not
 * JSON or carries {@code "poison": true}; 503 to everything during an {@link #outage}; 500 at the configured
 * error rate; otherwise 200 with
 * {@code {"ok": true, "keyId", "taskId", "echo": <body>}}. Answers other than 401/429 come after a
 * long-tailed latency (lognormal around a median), sent from a scheduler so that slow answers hold no
 * thread and many requests can be in flight. Statistics are kept per key <em>id</em>, never per secret,
 * and per {@code X-Harvest-Task-Id}, so tests can spot concurrency-limit violations and duplicate calls.
 * Build one with {@link #builder()}.
 */
public final class MockProvider implements AutoCloseable {

    /** The path of the work endpoint. */
    public static final String PATH = "/v1/work";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final MockProviderOptions options;
    private final HttpServer server;
    private final ExecutorService serverThreads;
    private final ScheduledExecutorService responders;
    private final Random random;
    private final Map<String, KeyBucket> keys = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> callsByTask = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> completionsByTask = new ConcurrentHashMap<>();
    private final AtomicLong unauthorized = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final ProviderFaults faults = new ProviderFaults();
    private final AtomicLong outageEndsNanos = new AtomicLong(System.nanoTime());

    static {
        // The JDK server writes headers and body separately; without TCP_NODELAY every reply waits for the
        // client's delayed ACK (~40 ms), which is no part of the latency a provider is meant to show.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** Starts a provider with {@code options} on the loopback address; {@link #close()} stops it. */
    public MockProvider(MockProviderOptions options) throws IOException {
        this(options, InetAddress.getLoopbackAddress());
    }

    /** Starts a provider on {@code bind} (e.g. the wildcard address, for other containers to reach it). */
    public MockProvider(MockProviderOptions options, InetAddress bind) throws IOException {
        this.options = Objects.requireNonNull(options, "options");
        this.random = new Random(options.seed());
        options.secrets().values().forEach(id -> keys.put(id, new KeyBucket(options.rpsPerKey())));
        this.serverThreads = Executors.newFixedThreadPool(4, KeyBucket.daemonThreads("mock-provider-http-"));
        this.responders = Executors.newScheduledThreadPool(2, KeyBucket.daemonThreads("mock-provider-reply-"));
        this.server = HttpServer.create(new InetSocketAddress(bind, options.port()), 512);
        server.setExecutor(serverThreads);
        server.createContext(PATH, this::handle);
        server.start();
    }

    /** A builder with defaults: 10 requests/s per key, 20 ms median latency, no errors. */
    public static MockProviderOptions.Builder builder() {
        return new MockProviderOptions.Builder();
    }

    /** The full URL of the work endpoint, e.g. {@code http://127.0.0.1:41234/v1/work}. */
    public String url() {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + port() + PATH;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Statistics of every configured key, by key id. */
    public Map<String, KeyStats> keyStats() {
        Map<String, KeyStats> out = new TreeMap<>();
        keys.forEach((id, state) -> out.put(id, state.snapshot(id)));
        return out;
    }

    /** Statistics of one key; all zero for an unknown id. */
    public KeyStats keyStats(String keyId) {
        KeyBucket state = keys.get(keyId);
        return state == null ? new KeyStats(keyId, 0, 0, 0, 0, 0, 0) : state.snapshot(keyId);
    }

    /** The most requests in flight at once, over all keys. */
    public int maxConcurrentTotal() {
        return maxInFlight.get();
    }

    /** Requests in flight now, over all keys. */
    public int concurrentTotal() {
        return inFlight.get();
    }

    /** Switches that make this provider slow down or refuse everything for a while. */
    public ProviderFaults faults() {
        return faults;
    }

    /**
     * Answers every authenticated request with 503 from now on for {@code duration}, then recovers by itself:
     * a provider that is down for a while. Calls during the outage count as server errors.
     */
    public void outage(Duration duration) {
        outageEndsNanos.set(System.nanoTime() + duration.toNanos());
    }

    /** Requests refused with 401. */
    public long unauthorizedCount() {
        return unauthorized.get();
    }

    /** Requests received per {@code X-Harvest-Task-Id}, whatever their answer. */
    public Map<String, Long> callsByTaskId() {
        return counts(callsByTask);
    }

    /** 200 answers per {@code X-Harvest-Task-Id}: a value above 1 means the work was done twice. */
    public Map<String, Long> completionsByTaskId() {
        return counts(completionsByTask);
    }

    @Override
    public void close() {
        server.stop(0);
        responders.shutdownNow();
        serverThreads.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        if (!"POST".equals(exchange.getRequestMethod())) {
            reply(exchange, 405, "{\"error\":\"method not allowed\"}", null);
            return;
        }
        String taskId = exchange.getRequestHeaders().getFirst("X-Harvest-Task-Id");
        if (taskId != null) {
            callsByTask.computeIfAbsent(taskId, t -> new AtomicLong()).incrementAndGet();
        }
        String keyId = keyIdOf(exchange.getRequestHeaders().getFirst("Authorization"));
        if (keyId == null) {
            unauthorized.incrementAndGet();
            reply(exchange, 401, "{\"error\":\"missing or unknown API key\"}", null);
            return;
        }
        admit(exchange, keyId, taskId, body);
    }

    private void admit(HttpExchange exchange, String keyId, String taskId, byte[] body) {
        KeyBucket key = keys.get(keyId);
        enter(key);
        long waitNanos = faults.refusing() || isFirstCallOfRateLimitFirst(taskId, body) ? 1000000000L : key.tryTake();
        if (waitNanos > 0) {
            key.rateLimited.incrementAndGet();
            long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
            // Leave before answering: the caller may reuse the key as soon as it has the answer.
            exit(key);
            reply(exchange, 429, "{\"error\":\"rate limited\"}", Long.toString(seconds));
            return;
        }
        long latencyNanos = faults.stretch(options.sampleLatencyNanos(random));
        responders.schedule(() -> respond(exchange, key, keyId, taskId, body), latencyNanos, TimeUnit.NANOSECONDS);
    }

    /** A payload with {@code "rateLimitFirst": true} gets a 429 on its task's first call: a 429 on demand. */
    private boolean isFirstCallOfRateLimitFirst(String taskId, byte[] body) {
        if (taskId == null || callsByTask.get(taskId) == null || callsByTask.get(taskId).get() != 1) {
            return false;
        }
        JsonNode payload = parse(body);
        return payload != null && payload.path("rateLimitFirst").asBoolean(false);
    }

    private void respond(HttpExchange exchange, KeyBucket key, String keyId, String taskId, byte[] body) {
        int status;
        String answer;
        try {
            JsonNode payload = parse(body);
            if (payload == null || payload.path("poison").asBoolean(false)) {
                status = 400;
                answer = "{\"error\":\"rejected payload\"}";
            } else if (System.nanoTime() - outageEndsNanos.get() < 0) {
                key.serverErrors.incrementAndGet();
                status = 503;
                answer = "{\"error\":\"provider unavailable\"}";
            } else if (random.nextDouble() < options.errorRate()) {
                key.serverErrors.incrementAndGet();
                status = 500;
                answer = "{\"error\":\"simulated server error\"}";
            } else {
                key.completed.incrementAndGet();
                if (taskId != null) {
                    completionsByTask.computeIfAbsent(taskId, t -> new AtomicLong()).incrementAndGet();
                }
                status = 200;
                answer = success(keyId, taskId, payload);
            }
        } finally {
            // Leave before answering: the caller may release its lease and reuse the key as soon as it has the
            // answer, and that next call must not be counted as concurrent with this one.
            exit(key);
        }
        reply(exchange, status, answer, null);
    }

    private void enter(KeyBucket key) {
        key.calls.incrementAndGet();
        key.maxInFlight.accumulateAndGet(key.inFlight.incrementAndGet(), Math::max);
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    }

    private void exit(KeyBucket key) {
        key.inFlight.decrementAndGet();
        inFlight.decrementAndGet();
    }

    private String keyIdOf(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return options.secrets().get(authorization.substring(7).trim());
    }

    private static void reply(HttpExchange exchange, int status, String json, String retryAfter) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        if (retryAfter != null) {
            exchange.getResponseHeaders().set("Retry-After", retryAfter);
        }
        try (OutputStream out = exchange.getResponseBody()) {
            exchange.sendResponseHeaders(status, bytes.length);
            out.write(bytes);
        } catch (IOException clientGone) {
            // The caller timed out or hung up: nothing to answer to.
        } finally {
            exchange.close();
        }
    }

    private static String success(String keyId, String taskId, JsonNode payload) {
        ObjectNode node = JSON.createObjectNode().put("ok", true).put("keyId", keyId).put("taskId", taskId);
        node.set("echo", payload);
        return node.toString();
    }

    private static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException notJson) {
            return null;
        }
    }

    private static Map<String, Long> counts(Map<String, AtomicLong> counters) {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** What one key saw: authenticated calls, 429s, 5xx, 200s, requests in flight now and at most. */
    public record KeyStats(String keyId, long calls, long rateLimited, long serverErrors, long completed,
                           int inFlight, int maxInFlight) {
    }

}
