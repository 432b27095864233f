package dev.harvest.app;

import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;
import dev.harvest.devstack.EmbeddedKafka;
import dev.harvest.devstack.LocalRedis;
import dev.harvest.devstack.MockProvider;
import dev.harvest.devstack.RedisInfo;
import dev.harvest.devstack.TempDirs;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * {@code harvest demo}: an embedded broker, a throwaway Redis, a local rate-limited mock provider, the demo
 * pipeline with the {@code http} handler pointed at it, a few thousand tasks across the lanes, and an account
 * of every one of them. Concurrency and Redis figures are measured on the provider's and Redis's side.
 */
public final class DemoRunner {

    /** Demo parameters. */
    public record Options(int tasks, long seed, Duration timeout, boolean keepRunning) {
    }

    /** What the demo reports while it runs. */
    public interface Listener {
        void message(String line);

        void started(String metricsUrl, Map<String, Long> tasksPerLane);

        void progress(Map<String, Long> endedPerLane);
    }

    private final Options options;
    private final Listener listener;

    public DemoRunner(Options options, Listener listener) {
        this.options = options;
        this.listener = listener;
    }

    /** The bundled demo pipeline, pointed at the given broker, Redis and provider. */
    public static PipelineConfig demoPipeline(String bootstrap, String redisUri, String providerUrl) {
        Map<String, String> env = Map.of("HARVEST_KAFKA_BOOTSTRAP", bootstrap, "HARVEST_REDIS_URI", redisUri,
                "HARVEST_PROVIDER_URL", providerUrl);
        try (InputStream in = DemoRunner.class.getResourceAsStream("demo-pipeline.yaml")) {
            return new PipelineLoader(env::get).parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public DemoSummary run() throws IOException, InterruptedException {
        Path work = Files.createTempDirectory("harvest-demo-");
        listener.message("starting an embedded Kafka broker (KRaft), Redis and a mock provider ...");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0);
             LocalRedis redis = LocalRedis.start();
             // The provider accepts the keys of the demo pipeline; its URL then goes into the pipeline.
             MockProvider provider = DemoProvider.start(demoPipeline(kafka.bootstrapServers(), redis.uri(),
                     "http://127.0.0.1/not-started"), options.seed())) {
            PipelineConfig config = demoPipeline(kafka.bootstrapServers(), redis.uri(), provider.url());
            TopicAdmin.createAll(config);
            listener.message("Kafka " + kafka.bootstrapServers() + ", Redis " + redis.uri() + ", provider "
                    + provider.url());
            try (HarvestApp app = HarvestApp.start(config, AppOptions.defaults(work.resolve("state")));
                 OutcomeCollector collector = new OutcomeCollector(config)) {
                long[] redisBefore = RedisInfo.counts("127.0.0.1", redis.port());
                long started = System.nanoTime();
                Map<String, Long> perLane = produce(config);
                listener.started("http://localhost:" + app.metricsPort() + "/metrics", perLane);
                new DrainWatcher(collector, listener).awaitDrained(options.tasks(), options.timeout());
                double seconds = (System.nanoTime() - started) / 1e9;
                long[] redisAfter = RedisInfo.counts("127.0.0.1", redis.port());
                long[] redisCalls = {redisAfter[0] - redisBefore[0], redisAfter[1] - redisBefore[1]};
                DemoSummary summary = Summaries.of(options.tasks(), collector, seconds);
                DemoProvider.describe(summary.extra(), config, provider, redisCalls, options.tasks());
                if (options.keepRunning()) {
                    listener.message("--keep-running: Kafka " + kafka.bootstrapServers() + ", Redis " + redis.uri()
                            + ", metrics http://localhost:" + app.metricsPort() + "/metrics; Ctrl-C stops it");
                    Thread.currentThread().join();
                }
                return summary;
            }
        } finally {
            TempDirs.deleteQuietly(work);
        }
    }

    private Map<String, Long> produce(PipelineConfig config) {
        DemoWorkload workload = new DemoWorkload(options.seed(), "fetch");
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        Map<String, Long> perLane = new TreeMap<>();
        try (TaskProducer producer = new TaskProducer(config)) {
            for (int i = 0; i < options.tasks(); i++) {
                DemoWorkload.Item item = workload.next(i);
                perLane.merge(item.lane(), 1L, Long::sum);
                sends.add(producer.sendRaw(item.lane(), item.key(), item.value()));
            }
            producer.flush();
            sends.forEach(TaskProducer::await);
        }
        return perLane;
    }
}
