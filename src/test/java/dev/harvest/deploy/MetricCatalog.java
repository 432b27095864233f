package dev.harvest.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.harvest.metrics.MetricNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the dashboard and the alert rules query, and what the app exports under which Prometheus name.
 * The dashboard's one copy lives in the chart ({@code helm/harvest-streams/dashboards/harvest.json}), because Helm
 * can only read files inside the chart; docker-compose mounts that directory.
 */
final class MetricCatalog {

    static final Path DASHBOARD = Path.of("helm/harvest-streams/dashboards/harvest.json");

    /** Metric name prefixes of Micrometer's KafkaStreamsMetrics (streams, its clients) and JVM/system binders. */
    static final List<String> FOREIGN_PREFIXES = List.of("kafka_stream_", "kafka_consumer_", "kafka_producer_",
            "kafka_admin_client_", "jvm_", "process_", "system_");

    /** Meter kinds by {@link MetricNames} field; they decide the Prometheus suffixes. */
    private static final Map<String, Kind> KINDS = Map.ofEntries(
            Map.entry("TASKS", Kind.COUNTER),
            Map.entry("TASK_DURATION", Kind.TIMER),
            Map.entry("TASK_E2E", Kind.TIMER),
            Map.entry("IN_FLIGHT", Kind.GAUGE),
            Map.entry("ADMISSION_WAIT", Kind.TIMER),
            Map.entry("RETRIES", Kind.COUNTER),
            Map.entry("DEAD_LETTERS", Kind.COUNTER),
            Map.entry("DUPLICATES", Kind.COUNTER),
            Map.entry("LEASES_LOST", Kind.COUNTER),
            Map.entry("RATE_LIMITED", Kind.COUNTER),
            Map.entry("KEY_LEASES", Kind.GAUGE),
            Map.entry("PERMITS_IN_USE", Kind.GAUGE),
            Map.entry("PERMITS_MAX", Kind.GAUGE),
            Map.entry("LEADER", Kind.GAUGE),
            Map.entry("LEADER_TRANSITIONS", Kind.COUNTER),
            Map.entry("LANE_LAG", Kind.GAUGE),
            Map.entry("REDIS_CALLS", Kind.COUNTER),
            Map.entry("LEDGER_SKIPS", Kind.COUNTER));

    private static final ObjectMapper JSON = new ObjectMapper();

    private MetricCatalog() {
    }

    enum Kind {
        COUNTER, TIMER, GAUGE;

        /** Prometheus series names of a meter (Micrometer's PrometheusNamingConvention, no base unit). */
        List<String> prometheusNames(String dotted) {
            String base = dotted.replace('.', '_');
            return switch (this) {
                case COUNTER -> List.of(base + "_total");
                case GAUGE -> List.of(base);
                case TIMER -> List.of(base + "_seconds_bucket", base + "_seconds_count", base + "_seconds_sum",
                        base + "_seconds_max");
            };
        }
    }

    /**
     * Prometheus series name → the {@link MetricNames} field it comes from. A field with no known kind (added
     * after this test) allows every suffix, so the allow-list never blocks a new meter; the IT checks the scrape.
     */
    static Map<String, String> ownSeries() {
        Map<String, String> series = new LinkedHashMap<>();
        for (Field field : MetricNames.class.getDeclaredFields()) {
            int mod = field.getModifiers();
            if (!Modifier.isStatic(mod) || !Modifier.isPublic(mod) || field.getType() != String.class) {
                continue;
            }
            String dotted = value(field);
            Kind kind = KINDS.get(field.getName());
            List<Kind> kinds = kind == null ? List.of(Kind.values()) : List.of(kind);
            kinds.forEach(k -> k.prometheusNames(dotted).forEach(n -> series.put(n, field.getName())));
        }
        return series;
    }

    /** Whether {@code name} is one of our meters or a known Kafka Streams / JVM metric. */
    static boolean isKnown(String name) {
        return ownSeries().containsKey(name) || FOREIGN_PREFIXES.stream().anyMatch(name::startsWith);
    }

    static JsonNode dashboard() {
        try {
            return JSON.readTree(DASHBOARD.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every panel, rows' nested panels included. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            all.add(panel);
            panel.path("panels").forEach(all::add);
        }
        return all;
    }

    /** The PromQL of every panel target and every query variable. */
    static List<String> dashboardQueries(JsonNode dashboard) {
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : panels(dashboard)) {
            panel.path("targets").forEach(t -> queries.add(t.path("expr").asText()));
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if ("query".equals(variable.path("type").asText())) {
                JsonNode query = variable.path("query");
                queries.add(query.isObject() ? query.path("query").asText() : query.asText());
            }
        }
        return queries;
    }

    /** The {@code expr} of every rule of the rendered PrometheusRule objects. */
    static List<String> alertExpressions(List<JsonNode> rendered) {
        List<String> exprs = new ArrayList<>();
        rendered.stream().filter(o -> "PrometheusRule".equals(o.path("kind").asText()))
                .forEach(o -> o.path("spec").path("groups").forEach(g -> g.path("rules")
                        .forEach(r -> exprs.add(r.path("expr").asText()))));
        return exprs;
    }

    static Set<String> metricNames(List<String> queries) {
        Set<String> names = new LinkedHashSet<>();
        queries.forEach(q -> names.addAll(PromQl.metricNames(q)));
        return names;
    }

    private static String value(Field field) {
        try {
            return (String) field.get(null);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }
}
