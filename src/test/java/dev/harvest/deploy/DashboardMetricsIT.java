package dev.harvest.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.harvest.app.AppOptions;
import dev.harvest.app.HarvestApp;
import dev.harvest.app.TaskProducer;
import dev.harvest.app.TopicAdmin;
import dev.harvest.config.PipelineConfig;
import dev.harvest.testkit.TestKafka;
import dev.harvest.testkit.TestPipelines;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the pipeline on a real broker, scrapes {@code /metrics} and checks that every metric the Grafana dashboard
 * and the chart's alert rules query is really exported, with sensible values.
 */
class DashboardMetricsIT {

    /**
     * Exported only with Redis admission or by the singleton jobs that run under Redis leader election (DESIGN.md:
     * "lease reaper and pool gauges, lane-lag monitor"); this run uses LOCAL admission and starts no such job.
     */
    static final Set<String> REDIS_OR_LEADER_ONLY = Set.of(
            "harvest_leader", "harvest_leader_transitions_total",   // leader election
            "harvest_lane_lag",                                      // lane-lag monitor (singleton job)
            "harvest_permits_in_use", "harvest_permits_max",         // pool gauges (singleton job)
            "harvest_key_leases",                                    // pool gauges (singleton job)
            "harvest_redis_calls_total",                             // Redis admission
            "harvest_admission_redis_wait_seconds_count", "harvest_admission_redis_wait_seconds_sum");

    private static final int TASKS_PER_LANE = 60;
    /** Longer than KafkaStreamsMetrics' one-minute look for new Kafka metrics. */
    private static final Duration METRICS_REFRESH = Duration.ofSeconds(90);
    private static final String HANDLER = "  simulate: { kind: simulated, latency: 5ms, failureRate: 0.2, "
            + "rateLimitRate: 0.1, keyPool: pool, permits: calls }";
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][\\w:]*)(\\{(.*)})?\\s+(\\S+)(\\s+\\d+)?$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    @TempDir
    Path stateDir;

    @Test
    void shouldExportEveryMetricTheDashboardAndTheAlertRulesQueryWhenTasksRun() throws Exception {
        Set<String> expected = new TreeSet<>(MetricCatalog.metricNames(MetricCatalog.dashboardQueries(MetricCatalog.dashboard())));
        expected.addAll(MetricCatalog.metricNames(MetricCatalog.alertExpressions(
                Chart.render(Map.of("prometheusRule.enabled", "true")).objects())));
        expected.removeAll(REDIS_OR_LEADER_ONLY);
        PipelineConfig config = TestPipelines.twoLanes(TestPipelines.uniqueName("dash"), TestKafka.bootstrapServers(),
                HANDLER, 2);
        TopicAdmin.createAll(config);

        try (HarvestApp app = HarvestApp.start(config, AppOptions.defaults(stateDir)
                .withAdmission(AppOptions.AdmissionMode.LOCAL))) {
            produceTasks(config);
            String url = "http://localhost:" + app.metricsPort() + "/metrics";
            long started = System.nanoTime();
            // Micrometer's KafkaStreamsMetrics looks for new Kafka metrics (tasks, stores) once a minute: wait for
            // every name, or long enough that a missing one is really missing.
            await().alias("every task finished and every queried metric in the scrape (or the refresh passed)")
                    .atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> {
                        List<Sample> samples = scrape(url);
                        boolean settled = missing(expected, samples).isEmpty()
                                || System.nanoTime() - started > METRICS_REFRESH.toNanos();
                        return settled && sum(samples, "harvest_task_e2e_seconds_count", Map.of())
                                >= 2 * TASKS_PER_LANE - 1;
                    });
            List<Sample> samples = scrape(url);

            assertThat(missing(expected, samples)).as("queried by the dashboard or the alerts, not exported").isEmpty();
            expected.forEach(name -> assertSensible(name, samples));
            assertSensibleValues(samples);
        }
    }

    private static void produceTasks(PipelineConfig config) {
        try (TaskProducer producer = new TaskProducer(config)) {
            for (int i = 0; i < TASKS_PER_LANE; i++) {
                producer.sendJson("high", "{\"id\":\"h" + i + "\",\"type\":\"simulate\",\"payload\":{\"n\":" + i + "}}");
                producer.sendJson("low", "{\"id\":\"l" + i + "\",\"type\":\"simulate\",\"payload\":{\"n\":" + i + "}}");
            }
            // One record key, so both land in the partition (and dedupe store) of the same task.
            producer.sendRaw("high", "dup", "{\"id\":\"d1\",\"type\":\"simulate\",\"idempotencyKey\":\"same\"}"
                    .getBytes(StandardCharsets.UTF_8));
            producer.sendRaw("high", "dup", "{\"id\":\"d2\",\"type\":\"simulate\",\"idempotencyKey\":\"same\"}"
                    .getBytes(StandardCharsets.UTF_8));
            producer.sendRaw("low", "bad", "not json".getBytes(StandardCharsets.UTF_8));
            producer.flush();
        }
    }

    private static void assertSensible(String name, List<Sample> samples) {
        List<Sample> series = samples.stream().filter(s -> s.name().equals(name)).toList();
        assertThat(series).as("samples of %s", name).isNotEmpty();
        // JMX reports an undefined maximum (e.g. of G1 Eden) as -1.
        double floor = name.startsWith("jvm_") ? -1 : 0;
        assertThat(series).as("%s has no negative value", name).noneMatch(s -> s.value() < floor);
        assertThat(series).as("%s has a finite value", name).anyMatch(s -> Double.isFinite(s.value()));
    }

    private static void assertSensibleValues(List<Sample> samples) {
        assertThat(sum(samples, "harvest_tasks_total", Map.of("outcome", "completed"))).as("completed").isPositive();
        assertThat(sum(samples, "harvest_tasks_total", Map.of("outcome", "retried"))).as("retried").isPositive();
        assertThat(sum(samples, "harvest_retries_total", Map.of())).as("retries").isPositive();
        assertThat(sum(samples, "harvest_dlq_total", Map.of("reason", "malformed"))).as("malformed").isEqualTo(1);
        assertThat(sum(samples, "harvest_duplicates_dropped_total", Map.of())).as("duplicates").isEqualTo(1);
        assertThat(sum(samples, "harvest_task_e2e_seconds_sum", Map.of())).as("e2e seconds").isPositive();
        assertThat(sum(samples, "harvest_task_duration_seconds_count", Map.of())).as("attempts timed").isPositive();
        assertThat(sum(samples, "harvest_admission_wait_seconds_count", Map.of())).as("admissions").isPositive();
        assertThat(samples).filteredOn(s -> s.name().equals("harvest_inflight")).hasSize(2)
                .allSatisfy(s -> assertThat(s.value()).isBetween(0.0, 64.0));
        assertThat(samples).filteredOn(s -> s.name().equals("kafka_stream_alive_stream_threads"))
                .as("two threads (the default) per app: high, low, retry").hasSize(3)
                .allSatisfy(s -> assertThat(s.value()).isEqualTo(2));
        assertThat(sum(samples, "kafka_stream_failed_stream_threads_total", Map.of())).isZero();
        assertThat(samples).filteredOn(s -> s.name().equals("kafka_stream_client_state")).hasSize(3)
                .allSatisfy(s -> assertThat(s.value()).as("RUNNING").isEqualTo(2));
        assertThat(sum(samples, "kafka_consumer_coordinator_rebalance_total", Map.of())).isGreaterThanOrEqualTo(3);
        assertThat(sum(samples, "jvm_memory_used_bytes", Map.of("area", "heap"))).isPositive();
    }

    private static Set<String> missing(Set<String> expected, List<Sample> samples) {
        Set<String> missing = new TreeSet<>(expected);
        samples.forEach(s -> missing.remove(s.name()));
        return missing;
    }

    private static double sum(List<Sample> samples, String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name))
                .filter(s -> labels.entrySet().stream().allMatch(e -> e.getValue().equals(s.labels().get(e.getKey()))))
                .mapToDouble(Sample::value).sum();
    }

    static List<Sample> scrape(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        List<Sample> samples = new ArrayList<>();
        for (String line : response.body().split("\n")) {
            Matcher m = SAMPLE.matcher(line.strip());
            if (line.startsWith("#") || !m.matches()) {
                continue;
            }
            Map<String, String> labels = new HashMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            samples.add(new Sample(m.group(1), labels, parse(m.group(4))));
        }
        return samples;
    }

    private static double parse(String value) {
        return switch (value) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(value);
        };
    }

    record Sample(String name, Map<String, String> labels, double value) {
    }
}
