package dev.harvest.app.jobs;

import dev.harvest.app.dlq.DeadLetterFilter;
import dev.harvest.app.dlq.DeadLetterReplayer;
import dev.harvest.app.dlq.ReplayReport;
import dev.harvest.app.dlq.ReplayRequest;
import dev.harvest.config.PipelineConfig;
import dev.harvest.config.RedriveRule;
import dev.harvest.leader.LeaderToken;
import dev.harvest.leader.SingletonJob;
import dev.harvest.metrics.MetricNames;
import dev.harvest.metrics.TagNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Singleton job: on every run, for each {@code redrive} rule of the pipeline, sends the dead letters with the
 * rule's reason (and lane) that failed at least {@code after} ago back to the lane they came from, the oldest
 * first and at most {@code limit} of them. It replays with {@link DeadLetterReplayer}, so a redriven record
 * starts again at attempt 1, carries {@code harvest.replay} and {@code harvest.replay.source}, and is listed in
 * the audit topic in the same transaction: a dead letter is never redriven twice, even by two instances that
 * both believe they lead (the replayer's transactional id fences the older one). A redriven task that fails
 * again is a new dead letter, which a rule may redrive again in its turn.
 */
public final class RedriveJob implements SingletonJob {

    public static final String NAME = "dlq-redrive";

    private static final Logger LOG = LoggerFactory.getLogger(RedriveJob.class);

    private final PipelineConfig config;
    private final Function<ReplayRequest, ReplayReport> replayer;
    private final Clock clock;
    private final String operator;
    private final Map<String, Counter> redriven = new HashMap<>();

    /** @param operator who the audit records name as having replayed, e.g. {@code dlq-redrive@<instance>} */
    public RedriveJob(PipelineConfig config, Clock clock, String operator, MeterRegistry registry) {
        this(config, new DeadLetterReplayer(config, clock)::replay, clock, operator, registry);
    }

    RedriveJob(PipelineConfig config, Function<ReplayRequest, ReplayReport> replayer, Clock clock, String operator,
               MeterRegistry registry) {
        this.config = config;
        this.replayer = replayer;
        this.clock = clock;
        this.operator = operator;
        for (RedriveRule rule : config.redrive()) {
            redriven.computeIfAbsent(rule.reason(), reason -> Counter.builder(MetricNames.REDRIVEN)
                    .description("Dead letters the redrive job sent back to their lane")
                    .tag(TagNames.REASON, reason).register(registry));
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Duration interval() {
        return config.redriveInterval();
    }

    @Override
    public void run(LeaderToken token) {
        for (RedriveRule rule : config.redrive()) {
            if (!token.isValid() || Thread.currentThread().isInterrupted()) {
                return; // no longer the leader, or shutting down
            }
            try {
                redrive(rule);
            } catch (RuntimeException e) {
                if (Thread.currentThread().isInterrupted()) {
                    LOG.info("redrive of reason {} stopped by shutdown; the next leader goes on", rule.reason());
                    return;
                }
                // One rule failing (e.g. fenced by a replay that started meanwhile) must not hold up the others.
                LOG.warn("redrive of reason {} failed: {}", rule.reason(), e.getMessage());
            }
        }
    }

    private void redrive(RedriveRule rule) {
        DeadLetterFilter filter = DeadLetterFilter.all().withReason(rule.reason()).withLane(rule.lane())
                .withUntil(clock.instant().minus(rule.after())).withLimit(rule.limit());
        ReplayReport report = replayer.apply(ReplayRequest.of(filter).withOperator(operator));
        redriven.get(rule.reason()).increment(report.sent());
        if (report.sent() > 0) {
            LOG.info("redrove {} dead letters of reason {} (audit id {})", report.sent(), rule.reason(),
                    report.auditId());
        }
        if (!report.unroutable().isEmpty()) {
            LOG.warn("{} dead letters of reason {} name no lane of this pipeline and are not redriven, e.g. {}",
                    report.unroutable().size(), rule.reason(), report.unroutable().get(0).coordinates());
        }
    }
}
