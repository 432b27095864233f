package dev.harvest.cli;

import dev.harvest.devstack.EmbeddedKafka;
import dev.harvest.devstack.FreePorts;
import dev.harvest.devstack.LocalRedis;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code harvest dev}: the embedded broker and a local Redis in the foreground, for local development. */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = "Start an embedded Kafka broker (KRaft) and a local Redis in the foreground for local"
                + " development.")
final class DevCommand implements Callable<Integer> {

    @Option(names = "--kafka-port", defaultValue = "9092", description = "Broker port (default: ${DEFAULT-VALUE})")
    int kafkaPort;

    @Option(names = "--redis-port", defaultValue = "6379", description = "Redis port (default: ${DEFAULT-VALUE})")
    int redisPort;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Keep the broker's data here across restarts (default: a temporary directory)")
    Path dataDir;

    @Option(names = "--exit-with-parent", hidden = true,
            description = "Stop (broker and Redis too) when the process that started this one ends; for tools that"
                    + " run it as a child process, such as the benchmark")
    boolean exitWithParent;

    @Override
    public Integer call() throws InterruptedException {
        FreePorts.claim(redisPort); // the broker picks its controller's port free (and claims its own port)
        EmbeddedKafka kafka = dataDir == null ? EmbeddedKafka.start(kafkaPort)
                : EmbeddedKafka.start(dataDir, false, kafkaPort);
        LocalRedis redis;
        try {
            redis = LocalRedis.start(redisPort);
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            redis.close();
            kafka.close();
            stopped.countDown();
        }, "harvest-dev-shutdown"));
        System.out.println("Kafka:  " + kafka.bootstrapServers() + "   (export HARVEST_KAFKA_BOOTSTRAP="
                + kafka.bootstrapServers() + ")");
        System.out.println("Redis:  " + redis.uri() + "   (export HARVEST_REDIS_URI=" + redis.uri() + ")");
        System.out.println("Ctrl-C stops both.");
        if (exitWithParent) {
            // After the shutdown hook is in place: exiting runs it, which stops Redis and the broker.
            ProcessHandle.current().parent().map(ProcessHandle::onExit)
                    .orElse(CompletableFuture.completedFuture(null))
                    .thenRun(() -> System.exit(0));
        }
        stopped.await();
        return 0;
    }
}
