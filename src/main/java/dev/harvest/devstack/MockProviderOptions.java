package dev.harvest.devstack;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * How a provider behaves.
 *
 * @param port          TCP port on 127.0.0.1; 0 picks a free one
 * @param rpsPerKey     requests per second (and burst) per key; 0 or less for no limit
 * @param medianLatency median of the lognormal latency
 * @param tailSigma     sigma of the lognormal (0: every answer takes the median; 1: a long tail)
 * @param maxLatency    cap on a single latency
 * @param errorRate     fraction of admitted requests answered 500
 * @param seed          seeds latency and error draws
 * @param secrets       secret -> key id; only the ids ever show up in statistics
 */
public record MockProviderOptions(int port, double rpsPerKey, Duration medianLatency, double tailSigma,
                                  Duration maxLatency, double errorRate, long seed, Map<String, String> secrets) {

    public MockProviderOptions {
        if (port < 0 || port > 65_535 || tailSigma < 0 || errorRate < 0 || errorRate > 1) {
            throw new IllegalArgumentException("port, tailSigma or errorRate out of range");
        }
        Objects.requireNonNull(medianLatency, "medianLatency");
        Objects.requireNonNull(maxLatency, "maxLatency");
        secrets = Map.copyOf(secrets);
    }

    long sampleLatencyNanos(Random random) {
        double median = medianLatency.toNanos();
        double sample = median * Math.exp(tailSigma * random.nextGaussian());
        return (long) Math.min(sample, maxLatency.toNanos());
    }

    /** Builds {@link MockProviderOptions} and starts a provider; defaults: free port, 10 rps/key, 20 ms median, sigma 0.5. */
    public static final class Builder {
        private int port;
        private double rpsPerKey = 10;
        private Duration medianLatency = Duration.ofMillis(20);
        private double tailSigma = 0.5;
        private Duration maxLatency = Duration.ofSeconds(5);
        private double errorRate;
        private long seed = 42;
        private final Map<String, String> secrets = new LinkedHashMap<>();
    
        public Builder port(int value) { port = value; return this; }
        public Builder rpsPerKey(double value) { rpsPerKey = value; return this; }
        public Builder medianLatency(Duration value) { medianLatency = value; return this; }
        public Builder tailSigma(double value) { tailSigma = value; return this; }
        public Builder maxLatency(Duration value) { maxLatency = value; return this; }
        public Builder errorRate(double value) { errorRate = value; return this; }
        public Builder seed(long value) { seed = value; return this; }
    
        /** Accepts {@code secret}, reported in statistics as {@code keyId}. */
        public Builder key(String keyId, String secret) {
            secrets.put(Objects.requireNonNull(secret, "secret"), Objects.requireNonNull(keyId, "keyId"));
            return this;
        }
    
        public MockProviderOptions options() {
            return new MockProviderOptions(port, rpsPerKey, medianLatency, tailSigma, maxLatency, errorRate, seed, secrets);
        }
    
        public MockProvider start() throws IOException {
            return new MockProvider(options());
        }
    }
}
