package dev.harvest.cli;

import dev.harvest.app.MockProviderLauncher;
import dev.harvest.config.Durations;
import dev.harvest.devstack.MockProvider;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code harvest mock-provider}: a local rate-limited API that accepts the keys of a pipeline's pool. */
@Command(name = "mock-provider", mixinStandardHelpOptions = true,
        description = "Serve a rate-limited mock API (POST /v1/work) that accepts the keys of a pool of the pipeline"
                + " file: 429 + Retry-After above the per-key rate, long-tail latency, some 5xx, 400 for poison.")
final class MockProviderCommand implements Callable<Integer> {

    @Mixin
    PipelineOption pipeline;

    @Option(names = "--pool", description = "Key pool whose keys are accepted (default: the first)")
    String pool;

    @Option(names = "--port", defaultValue = "8089", description = "Port (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--bind-all", description = "Listen on every interface (containers), not only loopback")
    boolean bindAll;

    @Option(names = "--rps-per-key", defaultValue = "20", description = "Requests per second per key before 429")
    double rpsPerKey;

    @Option(names = "--latency", defaultValue = "50ms", description = "Median latency (long tail above it)")
    String latency;

    @Option(names = "--error-rate", defaultValue = "0.02", description = "Share of 5xx answers")
    double errorRate;

    @Override
    public Integer call() throws Exception {
        MockProvider provider = MockProviderLauncher.start(pipeline.load(), pool, new MockProviderLauncher.Options(
                port, bindAll, rpsPerKey, Durations.parse(latency), errorRate));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            provider.close();
            stopped.countDown();
        }, "mock-provider-shutdown"));
        System.out.println("mock provider on port " + provider.port() + " (POST " + MockProvider.PATH + "); Ctrl-C stops it");
        stopped.await();
        return 0;
    }
}
