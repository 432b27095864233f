package dev.harvest.app;

import dev.harvest.app.jobs.LaneLagJob;
import dev.harvest.app.jobs.LaneLagView;
import dev.harvest.app.jobs.PoolReaperJob;
import dev.harvest.app.jobs.RedriveJob;
import dev.harvest.config.LaneConfig;
import dev.harvest.config.PipelineConfig;
import dev.harvest.leader.redis.RedisLeaderElection;
import dev.harvest.lease.redis.RedisAdmissionControl;
import dev.harvest.lease.redis.RedisKeyPool;
import dev.harvest.lease.redis.RedisPermitSemaphore;
import dev.harvest.redis.RedisClients;
import dev.harvest.topology.TopologyFactory;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;

/**
 * What makes several instances behave as one: leader-elected singleton jobs (pool reaper and gauges, lane-lag
 * monitor, DLQ redrive when the pipeline has {@code redrive} rules) and, on every instance, the lane-lag view
 * that drives strict priority. Needs Redis.
 */
final class ClusterJobs implements AutoCloseable {

    /** Leadership lasts this long without renewal; renewed every third of it. */
    static final Duration LEADER_TTL = Duration.ofSeconds(6);

    private final RedisLeaderElection election;
    private final Admin admin;
    private final LaneLagView lagView;
    private final ScheduledFuture<?> lagRefresh;

    ClusterJobs(PipelineConfig config, AppOptions options, RedisClients redis, RedisAdmissionControl admission,
                Map<String, KafkaStreams> apps, MeterRegistry registry, ScheduledExecutorService scheduler) {
        this.election = new RedisLeaderElection(redis, config.pipeline(), options.instanceId(), LEADER_TTL,
                System::nanoTime, registry);
        this.admin = Admin.create(KafkaClientProperties.common(config));
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
        election.close();
        admin.close(Duration.ofSeconds(5));
    }
}
