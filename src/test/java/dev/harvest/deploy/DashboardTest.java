package dev.harvest.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** The Grafana dashboard (helm/harvest-streams/dashboards/harvest.json): structure and metric names. */
class DashboardTest {

    private final JsonNode dashboard = MetricCatalog.dashboard();

    @Test
    void shouldHaveTheFiveRowsInOrder() {
        List<String> rows = MetricCatalog.panels(dashboard).stream().filter(p -> "row".equals(p.path("type").asText()))
                .map(p -> p.path("title").asText()).toList();

        assertThat(rows).containsExactly("Overview", "Resources", "Failures", "Kafka Streams", "Cluster");
    }

    @Test
    void shouldGiveEveryPanelAPromQlTargetOnTheDatasourceVariable() {
        JsonNode datasource = StreamSupport.stream(dashboard.at("/templating/list").spliterator(), false)
                .filter(v -> "datasource".equals(v.path("type").asText())).findFirst().orElseThrow();
        assertThat(datasource.path("query").asText()).isEqualTo("prometheus");
        String variable = "${" + datasource.path("name").asText() + "}";

        List<JsonNode> panels = MetricCatalog.panels(dashboard).stream()
                .filter(p -> !"row".equals(p.path("type").asText())).toList();
        assertThat(panels).hasSizeGreaterThanOrEqualTo(20);
        for (JsonNode panel : panels) {
            String title = panel.path("title").asText();
            assertThat(panel.at("/datasource/uid").asText()).as("datasource of %s", title).isEqualTo(variable);
            assertThat(panel.path("targets")).as("targets of %s", title).isNotEmpty();
            panel.path("targets").forEach(t -> assertThat(PromQl.metricNames(t.path("expr").asText()))
                    .as("metrics queried by %s: %s", title, t.path("expr").asText()).isNotEmpty());
        }
    }

    @Test
    void shouldCoverEachRowsTopicsFromTheIssue() {
        Set<String> titles = new HashSet<>();
        MetricCatalog.panels(dashboard).forEach(p -> titles.add(p.path("title").asText()));

        assertThat(titles).contains("Throughput by outcome", "End-to-end latency p50 / p99", "In flight by lane",
                "Lag per lane", "Permits in use vs max", "Key leases and cooldowns per key", "429 rate per key",
                "Admission wait p50 / p99", "Retries by tier", "Dead letters by reason", "Lost leases",
                "Stream threads alive / failed", "Process latency (avg / max)", "Commit latency (avg / max)",
                "Rebalances", "State restore", "Leader per job", "Instances");
    }

    @Test
    void shouldQueryOnlyMetricsTheAppExportsOrKafkaStreamsAndTheJvmProvide() {
        Set<String> names = MetricCatalog.metricNames(MetricCatalog.dashboardQueries(dashboard));

        assertThat(names).isNotEmpty().allSatisfy(n -> assertThat(MetricCatalog.isKnown(n))
                .as("%s is neither a MetricNames meter (Prometheus-named) nor a Kafka Streams/JVM metric", n).isTrue());
        assertThat(names).as("every MetricNames meter has a panel").containsAll(Set.of("harvest_tasks_total",
                "harvest_task_duration_seconds_bucket", "harvest_task_e2e_seconds_bucket", "harvest_inflight",
                "harvest_admission_wait_seconds_bucket", "harvest_retries_total", "harvest_dlq_total",
                "harvest_duplicates_dropped_total", "harvest_leases_lost_total", "harvest_ratelimited_total",
                "harvest_key_leases", "harvest_permits_in_use", "harvest_permits_max", "harvest_leader",
                "harvest_leader_transitions_total", "harvest_lane_lag", "harvest_redis_calls_total"));
    }

    @Test
    void shouldNameOwnMetricsTheWayMicrometersPrometheusRegistryDoes() {
        Map<String, String> series = MetricCatalog.ownSeries();

        assertThat(series).containsEntry("harvest_tasks_total", "TASKS")
                .containsEntry("harvest_task_e2e_seconds_bucket", "TASK_E2E")
                .containsEntry("harvest_inflight", "IN_FLIGHT")
                .containsEntry("harvest_dlq_total", "DEAD_LETTERS");
    }

    @Test
    void shouldExtractMetricNamesFromPromQl() {
        assertThat(PromQl.metricNames("histogram_quantile(0.99, sum by (le, lane) "
                + "(rate(harvest_task_e2e_seconds_bucket{namespace=~\"$namespace\",lane!=\"x\"}[$__rate_interval])))"))
                .containsExactly("harvest_task_e2e_seconds_bucket");
        assertThat(PromQl.metricNames("max by (semaphore) (a_in_use) >= on (semaphore) group_left max(b_max) offset 5m"))
                .containsExactly("a_in_use", "b_max");
        assertThat(PromQl.metricNames("count by (application_id) (kafka_stream_client_state{x=\"y\"} == 2) > 1e3"))
                .containsExactly("kafka_stream_client_state");
        assertThat(PromQl.metricNames("label_values(harvest_inflight{namespace=~\"$namespace\"}, instance)"))
                .containsExactly("harvest_inflight");
    }

    @Test
    void shouldLayPanelsOutInsideTheGridWithUniqueIds() {
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : MetricCatalog.panels(dashboard)) {
            JsonNode grid = panel.path("gridPos");
            assertThat(grid.path("x").asInt() + grid.path("w").asInt()).as("%s", panel.path("title").asText())
                    .isBetween(1, 24);
            assertThat(ids.add(panel.path("id").asInt())).as("unique id of %s", panel.path("title").asText()).isTrue();
        }
        assertThat(dashboard.path("uid").asText()).isEqualTo("harvest-streams");
    }
}
