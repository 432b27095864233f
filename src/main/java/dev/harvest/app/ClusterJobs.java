package dev.harvest.app;

import dev.harvest.app.jobs.LaneLagJob;
import dev.harvest.app.jobs.LaneLagView;
import dev.harvest.app.jobs.PoolReaperJob;
import dev.harvest.app.jobs.RedriveJob;
import dev.harvest.config.LaneConfig;
import dev.harvest.config.PipelineConfig;
import dev.harvest.execution.HandlerBreaker;
import dev.harvest.leader.redis.RedisLeaderElection;
import dev.harvest.lease.redis.RedisAdmissionControl;
import dev.harvest.lease.redis.RedisKeyPool;
import dev.harvest.lease.redis.RedisPermitSemaphore;
import dev.harvest.redis.RedisClients;
import dev.harvest.topology.TopologyFactory;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What makes several instances behave as one: leader-elected singleton jobs (pool reaper and gauges, lane-lag
 * monitor, DLQ redrive when the pipeline has {@code redrive} rules) and, on every instance, the lane-lag view
 * that drives strict priority, and the publication of this instance's breaker states ({@link BreakerBoard}).
 * Needs Redis.
 */
final class ClusterJobs implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterJobs.class);

    /** Leadership lasts this long without renewal; renewed every third of it. */
    static final Duration LEADER_TTL = Duration.ofSeconds(6);

    private final RedisLeaderElection election;
    private final LaneLagView lagView;
    private final ScheduledFuture<?> lagRefresh;
    private final String pipeline;
    private final RedisClients redis;
    private final List<HandlerBreaker> breakers;
    private final ScheduledFuture<?> breakerPublish;

    /** @param admin the instance's admin client, for the lag job; its owner closes it */
    ClusterJobs(PipelineConfig config, AppOptions options, RedisClients redis, RedisAdmissionControl admission,
                Admin admin, Map<String, KafkaStreams> apps, MeterRegistry registry, ScheduledExecutorService scheduler,
                List<HandlerBreaker> breakers) {
        this.election = new RedisLeaderElection(redis, config.pipeline(), options.instanceId(), LEADER_TTL,
                System::nanoTime, registry);
        election.register(new PoolReaperJob(config, admission, new RedisKeyPool(redis, config.pipeline()),
                new RedisPermitSemaphore(redis, config.pipeline()), registry));
        election.register(new LaneLagJob(config, admin, redis.async()));
        if (!config.redrive().isEmpty()) {
            election.register(new RedriveJob(config, options.clock(), RedriveJob.NAME + "@" + election.holderId(),
                    registry));
        }
        Map<String, KafkaStreams> laneApps = new HashMap<>();
        for (LaneConfig lane : config.lanes()) {
            laneApps.put(lane.name(), apps.get(TopologyFactory.laneAppId(config, lane)));
        }
        this.lagView = new LaneLagView(config, redis.async(), laneApps, registry);
        this.lagRefresh = scheduler.scheduleWithFixedDelay(lagView::refresh, 1, 1, TimeUnit.SECONDS);
        this.pipeline = config.pipeline();
        this.redis = redis;
        this.breakers = List.copyOf(breakers);
        this.breakerPublish = scheduler.scheduleWithFixedDelay(this::publishBreakers, 0, 1, TimeUnit.SECONDS);
    }

    private void publishBreakers() {
        try {
            BreakerBoard.publish(redis.async(), pipeline, election.holderId(), breakers);
        } catch (Exception e) {
            LOG.debug("breaker states not published this time: {}", e.toString());
        }
    }

    RedisLeaderElection election() {
        return election;
    }

    LaneLagView lagView() {
        return lagView;
    }

    @Override
    public void close() {
        lagRefresh.cancel(false);
        breakerPublish.cancel(false);
        try {
            BreakerBoard.withdraw(redis.async(), pipeline, election.holderId(), breakers);
        } catch (Exception e) {
            LOG.debug("breaker states not withdrawn; they expire: {}", e.toString());
        }
        election.close();
    }
}
