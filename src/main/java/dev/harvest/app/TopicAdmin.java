package dev.harvest.app;

import dev.harvest.config.LaneConfig;
import dev.harvest.config.PipelineConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/** Creates the pipeline's topics, idempotently: topics that exist are left as they are. */
public final class TopicAdmin {

    private TopicAdmin() {
    }

    /** Topic name → partitions for every topic of the pipeline. Side topics get the widest lane's partitions. */
    public static Map<String, Integer> plan(PipelineConfig config) {
        int widest = config.lanes().stream().mapToInt(LaneConfig::partitions).max().orElse(1);
        Map<String, Integer> plan = new LinkedHashMap<>();
        config.lanes().forEach(l -> plan.put(l.topic(), l.partitions()));
        config.retryTopics().forEach(t -> plan.put(t, widest));
        plan.put(config.resultsTopic(), widest);
        plan.put(config.deadLetterTopic(), widest);
        if (config.batches()) {
            plan.put(config.batchEventsTopic(), widest);
            plan.put(config.batchesTopic(), widest);
        }
        return plan;
    }

    /** Creates what is missing; returns the names created now. */
    public static List<String> createAll(PipelineConfig config) {
        try (Admin admin = Admin.create(KafkaClientProperties.common(config))) {
            return createAll(admin, config);
        }
    }

    public static List<String> createAll(Admin admin, PipelineConfig config) {
        Map<String, Integer> plan = plan(config);
        Optional<Short> replication = config.kafka().topicReplication();
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            plan.forEach((name, partitions) -> {
                if (!existing.contains(name)) {
                    missing.add(new NewTopic(name, Optional.of(partitions), replication));
                }
            });
            if (!missing.isEmpty()) {
                admin.createTopics(missing).values().forEach((name, f) -> waitCreated(name, f));
                awaitWritable(admin, missing.stream().map(NewTopic::name).toList());
            }
            return missing.stream().map(NewTopic::name).toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot list topics at " + config.kafka().bootstrapServers() + ": "
                    + rootMessage(e), e);
        }
    }

    /**
     * Created is not yet writable: a broker learns of new partitions from the metadata log a moment later (its
     * metadata cache may even name the leader before the partition's log is open), and a producer that writes
     * before then gets NOT_LEADER_OR_FOLLOWER. Listing offsets is answered by the partition's leader itself, so
     * once that succeeds for every partition, the topics take writes.
     */
    public static void awaitWritable(Admin admin, List<String> topics) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
                admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).forEach((name, d) ->
                        d.partitions().forEach(p -> latest.put(new TopicPartition(name, p.partition()),
                                OffsetSpec.latest())));
                admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException | TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topics " + topics + " were created but do not take writes"
                            + " after 30 s: " + rootMessage(e), e);
                }
            }
            Thread.sleep(50);
        }
    }

    private static void waitCreated(String name, org.apache.kafka.common.KafkaFuture<Void> future) {
        try {
            future.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + name + ": " + rootMessage(e), e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating " + name, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating topic " + name, e);
        }
    }

    /** The message of the innermost cause, or its class's name when it has none. */
    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
