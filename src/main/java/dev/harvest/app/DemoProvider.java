package dev.harvest.app;

import dev.harvest.config.KeyConfig;
import dev.harvest.config.KeyPoolConfig;
import dev.harvest.config.PermitConfig;
import dev.harvest.config.PipelineConfig;
import dev.harvest.devstack.MockProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The demo's mock provider and the figures read off it after a run. */
final class DemoProvider {

    private DemoProvider() {
    }

    /** A rate-limited provider that accepts the keys of the demo pipeline's pool. */
    static MockProvider start(PipelineConfig config, long seed) throws IOException {
        return MockProviderLauncher.start(config, null, MockProvider.builder().rpsPerKey(50)
                .medianLatency(Duration.ofMillis(20)).tailSigma(0.6).maxLatency(Duration.ofSeconds(2))
                .errorRate(0.02).seed(seed), InetAddress.getLoopbackAddress());
    }

    /** Adds the provider-side and Redis-side figures to {@code extra}. */
    static void describe(Map<String, Object> extra, PipelineConfig config, MockProvider provider, long[] redis,
                         long tasks) {
        KeyPoolConfig pool = config.keyPools().get(0);
        PermitConfig permits = config.permits().get(0);
        int maxPerKey = provider.keyStats().values().stream().mapToInt(MockProvider.KeyStats::maxInFlight).max()
                .orElse(0);
        extra.put("keyConcurrencyCap", pool.maxConcurrentPerKey());
        extra.put("maxConcurrentPerKeyObserved", maxPerKey);
        extra.put("permits", permits.permits());
        extra.put("maxPermitsObserved", provider.maxConcurrentTotal());
        extra.put("redisCallsPerTask", Math.round(redis[0] * 100.0 / Math.max(1, tasks)) / 100.0);
        extra.put("redisCommandsPerTask", Math.round(redis[1] * 100.0 / Math.max(1, tasks)) / 100.0);
        long calls = provider.keyStats().values().stream().mapToLong(MockProvider.KeyStats::calls).sum();
        extra.put("providerCalls", calls);
        extra.put("provider429s", provider.keyStats().values().stream().mapToLong(MockProvider.KeyStats::rateLimited)
                .sum());
        Map<String, Map<String, Long>> byKey = new LinkedHashMap<>();
        for (KeyConfig key : pool.keys()) {
            MockProvider.KeyStats s = provider.keyStats(key.id());
            Map<String, Long> row = new LinkedHashMap<>();
            row.put("calls", s == null ? 0 : s.calls());
            row.put("rateLimited", s == null ? 0 : s.rateLimited());
            row.put("maxConcurrent", s == null ? 0 : (long) s.maxInFlight());
            byKey.put(key.id(), row);
        }
        extra.put("byKey", byKey);
    }
}
