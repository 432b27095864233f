package dev.harvest.app.jobs;

import dev.harvest.client.LaneLag;
import dev.harvest.config.LaneConfig;
import dev.harvest.config.PipelineConfig;
import dev.harvest.leader.LeaderToken;
import dev.harvest.leader.SingletonJob;
import dev.harvest.topology.TopologyFactory;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Singleton job: reads the consumer lag of every lane app with the Admin API and publishes it in Redis
 * ({@code hs:{pipeline}:lag}, lane → {@code lag|millis}), where every instance's {@link LaneLagView} reads it
 * for its gauges and for strict priority.
 */
public final class LaneLagJob implements SingletonJob {

    public static final String NAME = "lane-lag-monitor";

    private final PipelineConfig config;
    private final Admin admin;
    private final RedisAsyncCommands<String, String> redis;

    public LaneLagJob(PipelineConfig config, Admin admin, RedisAsyncCommands<String, String> redis) {
        this.config = config;
        this.admin = admin;
        this.redis = redis;
    }

    public static String lagKey(PipelineConfig config) {
        return LaneLag.key(config.pipeline());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Duration interval() {
        return Duration.ofSeconds(1);
    }

    @Override
    public void run(LeaderToken token) throws Exception {
        Map<String, String> fields = new HashMap<>();
        for (LaneConfig lane : config.lanes()) {
            fields.put(lane.name(), lagOf(lane) + "|" + System.currentTimeMillis());
        }
        if (token.isValid()) {
            redis.hset(lagKey(config), fields).get(5, TimeUnit.SECONDS);
            redis.pexpire(lagKey(config), 60_000).get(5, TimeUnit.SECONDS);
        }
    }

    /** Records in the lane's topic not yet consumed (committed) by its app. */
    long lagOf(LaneConfig lane) throws Exception {
        String group = TopologyFactory.laneAppId(config, lane);
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        Set<TopicPartition> partitions = admin.describeTopics(Set.of(lane.topic())).allTopicNames()
                .get(10, TimeUnit.SECONDS).get(lane.topic()).partitions().stream()
                .map(p -> new TopicPartition(lane.topic(), p.partition())).collect(Collectors.toSet());
        Map<TopicPartition, OffsetSpec> latest = partitions.stream()
                .collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                .get(10, TimeUnit.SECONDS);
        long lag = 0;
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata c = committed.get(tp);
            lag += Math.max(0, ends.get(tp).offset() - (c == null ? 0 : c.offset()));
        }
        return lag;
    }
}
