package dev.harvest.app.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.app.dlq.DeadLetterFilter;
import dev.harvest.app.dlq.ReplayReport;
import dev.harvest.app.dlq.ReplayRequest;
import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;
import dev.harvest.leader.LeaderToken;
import dev.harvest.metrics.MetricNames;
import dev.harvest.testkit.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** What the redrive job asks the replayer for, when, and what it counts; without a broker. */
class RedriveJobTest {

    private static final Instant NOW = Instant.parse("2030-01-01T12:00:00Z");

    private final MutableClock clock = new MutableClock(NOW);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<ReplayRequest> requests = new ArrayList<>();

    @Test
    void shouldAskForOldEnoughDeadLettersOfEachRuleWhenLeading() {
        RedriveJob job = job(pipeline("""
                redriveInterval: 30s
                redrive:
                  - { reason: max-attempts, after: 10m, limit: 50 }
                  - { reason: expired, after: 1h, lane: low }
                """), sending(0));

        job.run(token(new AtomicBoolean(true)));

        assertThat(job.name()).isEqualTo("dlq-redrive");
        assertThat(job.interval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(requests).extracting(ReplayRequest::filter).containsExactly(
                DeadLetterFilter.all().withReason("max-attempts").withUntil(NOW.minus(Duration.ofMinutes(10)))
                        .withLimit(50),
                DeadLetterFilter.all().withReason("expired").withLane("low").withUntil(NOW.minus(Duration.ofHours(1)))
                        .withLimit(100));
        assertThat(requests).allSatisfy(r -> {
            assertThat(r.toLane()).as("back to the lane it came from").isNull();
            assertThat(r.force()).as("never what the audit lists").isFalse();
            assertThat(r.dryRun()).isFalse();
            assertThat(r.canary()).isZero();
            assertThat(r.operator()).isEqualTo("dlq-redrive@i1");
        });
    }

    @Test
    void shouldMoveTheAgeLimitWithTheClockWhenRunAgain() {
        RedriveJob job = job(pipeline("redrive: [ { reason: max-attempts, after: 10m } ]"), sending(0));

        job.run(token(new AtomicBoolean(true)));
        clock.advance(Duration.ofMinutes(1));
        job.run(token(new AtomicBoolean(true)));

        assertThat(requests).extracting(r -> r.filter().until())
                .containsExactly(NOW.minus(Duration.ofMinutes(10)), NOW.minus(Duration.ofMinutes(9)));
    }

    @Test
    void shouldDoNothingWhenTokenIsNoLongerValid() {
        RedriveJob job = job(pipeline("redrive: [ { reason: max-attempts, after: 10m } ]"), sending(3));

        job.run(token(new AtomicBoolean(false)));

        assertThat(requests).isEmpty();
    }

    @Test
    void shouldStopBeforeTheNextRuleWhenLeadershipIsLostDuringARun() {
        AtomicBoolean leading = new AtomicBoolean(true);
        RedriveJob job = job(pipeline("""
                redrive:
                  - { reason: max-attempts, after: 10m }
                  - { reason: expired, after: 10m }
                """), request -> {
                    leading.set(false);
                    return report(2);
                });

        job.run(token(leading));

        assertThat(requests).hasSize(1);
    }

    @Test
    void shouldCountRedrivenRecordsByReasonWhenSent() {
        RedriveJob job = job(pipeline("""
                redrive:
                  - { reason: max-attempts, after: 10m, lane: high }
                  - { reason: max-attempts, after: 1h, lane: low }
                  - { reason: expired, after: 10m }
                """), request -> report(request.filter().reason().equals("expired") ? 0 : 2));

        job.run(token(new AtomicBoolean(true)));
        job.run(token(new AtomicBoolean(true)));

        assertThat(registry.get(MetricNames.REDRIVEN).tag("reason", "max-attempts").counter().count()).isEqualTo(8);
        assertThat(registry.get(MetricNames.REDRIVEN).tag("reason", "expired").counter().count()).isZero();
    }

    @Test
    void shouldGoOnWithTheNextRuleWhenOneFails() {
        RedriveJob job = job(pipeline("""
                redrive:
                  - { reason: max-attempts, after: 10m }
                  - { reason: expired, after: 10m }
                """), request -> {
                    if (request.filter().reason().equals("max-attempts")) {
                        throw new IllegalStateException("another replay started meanwhile");
                    }
                    return report(1);
                });

        job.run(token(new AtomicBoolean(true)));

        assertThat(requests).extracting(r -> r.filter().reason()).containsExactly("max-attempts", "expired");
        assertThat(registry.get(MetricNames.REDRIVEN).tag("reason", "expired").counter().count()).isEqualTo(1);
    }

    @Test
    void shouldStopTheRunWhenInterruptedByShutdown() {
        RedriveJob job = job(pipeline("""
                redrive:
                  - { reason: max-attempts, after: 10m }
                  - { reason: expired, after: 10m }
                """), request -> {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted");
                });

        try {
            job.run(token(new AtomicBoolean(true)));
        } finally {
            Thread.interrupted();
        }

        assertThat(requests).hasSize(1);
    }

    private RedriveJob job(PipelineConfig config, Function<ReplayRequest, ReplayReport> replayer) {
        return new RedriveJob(config, request -> {
            requests.add(request);
            return replayer.apply(request);
        }, clock, "dlq-redrive@i1", registry);
    }

    private static Function<ReplayRequest, ReplayReport> sending(int n) {
        return request -> report(n);
    }

    private static ReplayReport report(int sent) {
        return new ReplayReport("replay-1", "dlq-redrive@i1", false, List.of(), 0, List.of(), sent, null, null);
    }

    private static LeaderToken token(AtomicBoolean valid) {
        return new LeaderToken() {
            @Override
            public long token() {
                return 7;
            }

            @Override
            public boolean isValid() {
                return valid.get();
            }
        };
    }

    private static PipelineConfig pipeline(String redrive) {
        return new PipelineLoader(n -> null).parse("""
                pipeline: redrive-unit
                kafka: { bootstrapServers: "localhost:9092" }
                lanes:
                  - { name: high, topic: redrive-unit.tasks.high }
                  - { name: low, topic: redrive-unit.tasks.low }
                handlers: { sim: { kind: simulated } }
                """ + redrive);
    }
}
