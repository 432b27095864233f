package dev.harvest.bench;

import dev.harvest.app.TopicAdmin;
import dev.harvest.config.KafkaSettings;
import dev.harvest.config.RedisSettings;
import dev.harvest.redis.RedisClients;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.common.errors.GroupNotEmptyException;

/**
 * A Kafka cluster and Redis of the user's ({@link BenchTarget}). Everything the run makes there is named
 * {@code runName...}: its topics (those of its pipelines and pass-throughs, and Kafka Streams' internal ones), its
 * consumer groups and its Redis keys ({@code hs:{runName...}:...}). Closing removes them, so that runs neither
 * see each other's records nor leave anything behind. The broker's CPU time is not known here; Redis's counters
 * are the whole server's, so they count other clients' traffic too.
 */
final class ExternalStack implements BenchStack {

    /** How long the cluster has to answer at the start. */
    private static final int CONNECT_TIMEOUT_MS = 15_000;
    /** How long a consumer group of the run may stay non-empty after its members closed. */
    private static final long GROUP_DELETE_SECONDS = 60;

    private final BenchTarget target;
    private final String runName;
    private final RedisClients redis;
    private final Consumer<String> log;

    private ExternalStack(BenchTarget target, String runName, RedisClients redis, Consumer<String> log) {
        this.target = target;
        this.runName = runName;
        this.redis = redis;
        this.log = log;
    }

    /**
     * Checks that the cluster answers, then connects to Redis.
     *
     * @throws IllegalStateException naming the address and the reason, when either cannot be reached
     */
    static ExternalStack connect(BenchTarget target, String runName, Consumer<String> log) {
        RedisClients redis = RedisClients.connect(target.redis());
        try {
            ExternalStack stack = new ExternalStack(target, runName, redis, log);
            try (Admin admin = Admin.create(stack.kafkaClient())) {
                admin.describeCluster(new DescribeClusterOptions().timeoutMs(CONNECT_TIMEOUT_MS)).clusterId()
                        .get(CONNECT_TIMEOUT_MS + 5_000, TimeUnit.MILLISECONDS);
            }
            return stack;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            redis.close();
            throw new IllegalStateException("interrupted while reaching Kafka", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            redis.close();
            throw new IllegalStateException("cannot reach Kafka at " + target.kafka().bootstrapServers() + ": "
                    + TopicAdmin.rootMessage(e), e);
        }
    }

    @Override
    public KafkaSettings kafka() {
        return target.kafka();
    }

    @Override
    public RedisSettings redis() {
        return target.redis();
    }

    @Override
    public String redisInfo(String section) {
        return redis.connection().sync().info(section);
    }

    @Override
    public String brokerKind() {
        return "external";
    }

    @Override
    public void close() {
        try {
            removeTopicsAndGroups();
            removeKeys();
        } finally {
            redis.close();
        }
    }

    private void removeTopicsAndGroups() {
        try (Admin admin = Admin.create(kafkaClient())) {
            List<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(t -> t.startsWith(runName)).toList();
            admin.deleteTopics(topics).all().get(60, TimeUnit.SECONDS);
            List<String> groups = admin.listGroups().all().get(30, TimeUnit.SECONDS).stream()
                    .map(GroupListing::groupId).filter(g -> g.startsWith(runName)).toList();
            deleteGroups(admin, groups);
            log.accept("removed the run's " + topics.size() + " topics and " + groups.size() + " consumer groups");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.accept("interrupted while removing the run's topics (named " + runName + "...)");
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.accept("could not remove the run's topics and groups (named " + runName + "...): "
                    + TopicAdmin.rootMessage(e));
        }
    }

    /** A group whose last member has just left may still count as not empty for a moment: asked again. */
    private static void deleteGroups(Admin admin, List<String> groups) throws InterruptedException,
            ExecutionException, TimeoutException {
        List<String> left = new ArrayList<>(groups);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GROUP_DELETE_SECONDS);
        while (!left.isEmpty()) {
            List<String> notEmpty = new ArrayList<>();
            for (var entry : admin.deleteConsumerGroups(left).deletedGroups().entrySet()) {
                try {
                    entry.getValue().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof GroupNotEmptyException) || System.nanoTime() > deadline) {
                        throw e;
                    }
                    notEmpty.add(entry.getKey());
                }
            }
            left = notEmpty;
            if (!left.isEmpty()) {
                Thread.sleep(1000);
            }
        }
    }

    private void removeKeys() {
        RedisCommands<String, String> sync = redis.connection().sync();
        ScanArgs args = ScanArgs.Builder.matches("hs:{" + runName + "*").limit(1000);
        long removed = 0;
        KeyScanCursor<String> cursor = sync.scan(args);
        while (true) {
            if (!cursor.getKeys().isEmpty()) {
                removed += sync.unlink(cursor.getKeys().toArray(String[]::new));
            }
            if (cursor.isFinished()) {
                break;
            }
            cursor = sync.scan(ScanCursor.of(cursor.getCursor()), args);
        }
        log.accept("removed the run's " + removed + " Redis keys");
    }
}
