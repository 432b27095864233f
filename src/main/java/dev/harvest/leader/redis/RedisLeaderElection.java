package dev.harvest.leader.redis;

import dev.harvest.leader.LeaderElection;
import dev.harvest.leader.SingletonJob;
import dev.harvest.metrics.MetricNames;
import dev.harvest.metrics.TagNames;
import dev.harvest.redis.LuaScript;
import dev.harvest.redis.RedisClients;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election on Redis: one key per job holding {@code holderId|token}, claimed with SET NX semantics and a
 * fencing token from INCR, renewed every TTL/3 with a server-side expiry. The holder keeps a local deadline
 * ({@code nanoTime} read before the claim was sent, plus TTL minus a margin) and stops acting as leader when
 * a renewal fails or the deadline passes, which is before Redis can have handed the job to someone else.
 */
public final class RedisLeaderElection implements LeaderElection {

    private static final Logger LOG = LoggerFactory.getLogger(RedisLeaderElection.class);

    private final RedisClients redis;
    private final String prefix;
    private final String holderId;
    private final Duration ttl;
    private final LongSupplier ticker;
    private final MeterRegistry registry;
    private final ScheduledExecutorService scheduler;
    private final LuaScript claim = LuaScript.load("leader_claim");
    private final LuaScript release = LuaScript.load("leader_release");
    private final Map<String, Campaign> campaigns = new ConcurrentHashMap<>();

    /**
     * @param pipeline  names the key space ({@code hs:{pipeline}:leader:<job>})
     * @param instanceId this instance's id in the leader value (a random suffix keeps restarts apart)
     */
    public RedisLeaderElection(RedisClients redis, String pipeline, String instanceId, Duration ttl,
                               LongSupplier ticker, MeterRegistry registry) {
        this.redis = redis;
        this.prefix = "hs:{" + pipeline + "}:leader:";
        this.holderId = (instanceId == null ? "instance" : instanceId) + "-" + UUID.randomUUID().toString().substring(0, 8);
        this.ttl = ttl;
        this.ticker = ticker;
        this.registry = registry;
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "harvest-leader");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void register(SingletonJob job) {
        Campaign campaign = new Campaign(job);
        if (campaigns.putIfAbsent(job.name(), campaign) != null) {
            throw new IllegalArgumentException("job registered twice: " + job.name());
        }
        Gauge.builder(MetricNames.LEADER, campaign, c -> c.isLeading() ? 1 : 0)
                .description("1 while this instance leads the job").tag(TagNames.JOB, job.name()).register(registry);
        long period = Math.max(50, ttl.toMillis() / 3);
        scheduler.scheduleWithFixedDelay(campaign::campaign, 0, period, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(campaign::runIfLeading, job.interval().toMillis(), job.interval().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean isLeader(String jobName) {
        Campaign c = campaigns.get(jobName);
        return c != null && c.isLeading();
    }

    /** This instance's holder id, as stored in Redis. */
    public String holderId() {
        return holderId;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        campaigns.values().forEach(Campaign::resign);
    }

    /** One job's leadership state on this instance. */
    private final class Campaign {
        private final SingletonJob job;
        private final Counter transitions;
        private volatile long token;
        private volatile long deadlineNanos = Long.MIN_VALUE;

        Campaign(SingletonJob job) {
            this.job = job;
            this.transitions = Counter.builder(MetricNames.LEADER_TRANSITIONS)
                    .description("Times this instance gained or lost leadership of the job")
                    .tag(TagNames.JOB, job.name()).register(registry);
        }

        boolean isLeading() {
            long deadline = deadlineNanos;
            return deadline != Long.MIN_VALUE && ticker.getAsLong() - deadline < 0;
        }

        void campaign() {
            boolean before = isLeading();
            long sentAt = ticker.getAsLong();
            try {
                var reply = claim.run(redis.async(), new String[] {prefix + job.name(), prefix + job.name() + ":fence"},
                        holderId, Long.toString(ttl.toMillis())).toCompletableFuture().get(ttl.toMillis() / 3,
                        TimeUnit.MILLISECONDS);
                if (reply.longAt(0) == 1) {
                    token = reply.longAt(1);
                    // A margin of a tenth of the TTL covers clock drift and the time the reply took.
                    deadlineNanos = sentAt + ttl.toNanos() - ttl.toNanos() / 10;
                } else {
                    deadlineNanos = Long.MIN_VALUE;
                }
            } catch (Exception e) {
                // Renewal failed: keep the old deadline; leadership lapses by itself when it passes.
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                LOG.debug("leader claim for {} failed: {}", job.name(), e.toString());
            }
            if (before != isLeading()) {
                transitions.increment();
                LOG.info("{} leadership of job {} (token {})", isLeading() ? "gained" : "lost", job.name(), token);
                if (before) {
                    job.stopped();
                }
            }
        }

        void runIfLeading() {
            if (!isLeading()) {
                return;
            }
            long t = token;
            try {
                job.run(new dev.harvest.leader.LeaderToken() {
                    @Override
                    public long token() {
                        return t;
                    }

                    @Override
                    public boolean isValid() {
                        return isLeading() && token == t;
                    }
                });
            } catch (Exception e) {
                LOG.warn("singleton job {} failed: {}", job.name(), e.toString());
            }
        }

        void resign() {
            if (!isLeading()) {
                return;
            }
            deadlineNanos = Long.MIN_VALUE;
            transitions.increment();
            job.stopped();
            try {
                release.run(redis.async(), new String[] {prefix + job.name()}, holderId + "|" + token)
                        .toCompletableFuture().get(2, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.debug("leader release for {} failed; it will expire: {}", job.name(), e.toString());
            }
        }
    }
}
