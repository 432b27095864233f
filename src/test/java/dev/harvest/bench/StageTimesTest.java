package dev.harvest.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.harvest.metrics.MetricNames;
import dev.harvest.metrics.Meters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StageTimesTest {

    private static void task(MeterRegistry registry, String lane, long admissionMs, long handlerMs) {
        registry.timer(MetricNames.ADMISSION_WAIT, "lane", lane).record(Duration.ofMillis(admissionMs));
        registry.timer(MetricNames.TASK_DURATION, "lane", lane, "type", "work").record(Duration.ofMillis(handlerMs));
    }

    @Test
    void shouldSplitTheMeanLatencyOfTheTasksEndedSinceItStartedIntoStages() {
        MeterRegistry registry = new SimpleMeterRegistry();
        task(registry, "high", 500, 500); // before: not counted
        StageTimes stages = StageTimes.from(registry);
        task(registry, "high", 4, 20);
        task(registry, "low", 8, 22); // another lane's timers count too

        Map<String, Object> figures = stages.figures("paced", 47);

        assertThat(figures).contains(entry("pacedAdmissionMs", 6.0), entry("pacedHandlerMs", 21.0),
                entry("pacedTransitMs", 20.0)); // 47 - 6 - 21
    }

    @Test
    void shouldGiveZeroForStagesNoTaskWentThrough() {
        StageTimes stages = StageTimes.from(new SimpleMeterRegistry());

        assertThat(stages.figures("light", 0)).containsOnly(entry("lightAdmissionMs", 0.0),
                entry("lightHandlerMs", 0.0), entry("lightTransitMs", 0.0), entry("lightAdmissionP99Ms", 0.0),
                entry("lightHandlerP99Ms", 0.0));
    }

    @Test
    void shouldSplitTheRedisAdmissionsGrantsByHowTheirLeaseCame() {
        MeterRegistry registry = new SimpleMeterRegistry();
        path(registry, "after-refusal", 900); // before: not counted
        StageTimes stages = StageTimes.from(registry);
        path(registry, "handed-over", 2);
        path(registry, "handed-over", 4);
        path(registry, "first-call", 5);
        path(registry, "after-refusal", 30);

        assertThat(stages.figures("paced", 0)).contains(entry("pacedHandedOverShare", 0.5),
                entry("pacedHandedOverWaitMs", 3.0), entry("pacedFirstCallShare", 0.25),
                entry("pacedFirstCallWaitMs", 5.0), entry("pacedAfterRefusalShare", 0.25),
                entry("pacedAfterRefusalWaitMs", 30.0));
    }

    @Test
    void shouldTakeEachStagesP99FromTheHistogramOfTheTasksEndedSinceItStarted() {
        MeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Meters meters = new Meters(registry);
        meters.timer(MetricNames.TASK_DURATION, "", "lane", "high").record(Duration.ofMillis(900)); // before
        StageTimes stages = StageTimes.from(registry);
        for (int i = 0; i < 98; i++) {
            meters.timer(MetricNames.TASK_DURATION, "", "lane", "high").record(Duration.ofMillis(20));
            meters.timer(MetricNames.ADMISSION_WAIT, "", "lane", "high").record(Duration.ofMillis(1));
        }
        for (int i = 0; i < 2; i++) {
            meters.timer(MetricNames.TASK_DURATION, "", "lane", "low").record(Duration.ofMillis(20));
            meters.timer(MetricNames.ADMISSION_WAIT, "", "lane", "low").record(Duration.ofMillis(300));
        }

        Map<String, Object> figures = stages.figures("paced", 50);

        assertThat((double) figures.get("pacedHandlerP99Ms")).as("all took 20 ms; the one before is not counted")
                .isBetween(20.0, 25.0);
        assertThat((double) figures.get("pacedAdmissionP99Ms")).as("2 of 100 waited 300 ms, over both lanes")
                .isBetween(300.0, 400.0);
    }

    private static void path(MeterRegistry registry, String path, long ms) {
        registry.timer(MetricNames.ADMISSION_REDIS_WAIT, "path", path).record(Duration.ofMillis(ms));
    }
}
