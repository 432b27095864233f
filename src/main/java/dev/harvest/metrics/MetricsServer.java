package dev.harvest.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * {@code GET /metrics} (Prometheus text), {@code /health/live} and {@code /health/ready} on one port, with the
 * JDK's HTTP server.
 */
public final class MetricsServer implements AutoCloseable {

    private final HttpServer server;

    private MetricsServer(HttpServer server) {
        this.server = server;
    }

    /** Serves on {@code port} (0 picks a free one) on all interfaces. */
    public static MetricsServer start(int port, PrometheusMeterRegistry registry, Health health) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
            server.createContext("/metrics", ex -> respond(ex, 200, registry.scrape(),
                    "text/plain; version=0.0.4; charset=utf-8"));
            server.createContext("/health/live", ex -> respond(ex, health.live() ? 200 : 503, health.describe(),
                    "text/plain; charset=utf-8"));
            server.createContext("/health/ready", ex -> respond(ex, health.ready() ? 200 : 503, health.describe(),
                    "text/plain; charset=utf-8"));
            server.setExecutor(Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "harvest-metrics-http");
                t.setDaemon(true);
                return t;
            }));
            server.start();
            return new MetricsServer(server);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on port " + port + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange ex, int status, String body, String contentType) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
