package dev.harvest.app;

import dev.harvest.config.KeyConfig;
import dev.harvest.config.KeyPoolConfig;
import dev.harvest.config.PipelineConfig;
import dev.harvest.devstack.MockProvider;
import dev.harvest.devstack.MockProviderOptions;
import dev.harvest.lease.ConfigSecretResolver;
import dev.harvest.lease.KeySecret;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;

/**
 * Starts the mock provider with the keys of one pool of a pipeline file, so the pipeline's {@code http} handler
 * can call it with real key secrets (and gets 401 with anything else).
 */
public final class MockProviderLauncher {

    /** Provider behaviour. */
    public record Options(int port, boolean bindAll, double rpsPerKey, Duration medianLatency, double errorRate) {
    }

    private MockProviderLauncher() {
    }

    public static MockProvider start(PipelineConfig config, String poolName, Options o) throws IOException {
        MockProviderOptions.Builder builder = MockProvider.builder().port(o.port()).rpsPerKey(o.rpsPerKey())
                .medianLatency(o.medianLatency()).errorRate(o.errorRate());
        InetAddress bind = o.bindAll() ? InetAddress.getByName("0.0.0.0") : InetAddress.getLoopbackAddress();
        return start(config, poolName, builder, bind);
    }

    /** Starts a provider configured by {@code builder}, accepting the keys (and secrets) of the pool. */
    public static MockProvider start(PipelineConfig config, String poolName, MockProviderOptions.Builder builder,
                                     InetAddress bind) throws IOException {
        KeyPoolConfig pool = poolName == null
                ? config.keyPools().stream().findFirst().orElseThrow(() -> new IllegalArgumentException(
                        "the pipeline file has no keyPools; the mock provider needs keys to accept"))
                : config.keyPool(poolName).orElseThrow(() -> new IllegalArgumentException(
                        "unknown key pool '" + poolName + "'"));
        ConfigSecretResolver secrets = new ConfigSecretResolver(config.keyPools());
        for (KeyConfig key : pool.keys()) {
            KeySecret secret = secrets.secretOf(pool.name(), key.id()).orElseThrow(() -> new IllegalArgumentException(
                    "key '" + key.id() + "' of pool '" + pool.name() + "' has no secret available"));
            builder.key(key.id(), secret.reveal());
        }
        return new MockProvider(builder.options(), bind);
    }
}
