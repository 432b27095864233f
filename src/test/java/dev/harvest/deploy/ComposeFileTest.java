package dev.harvest.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml against the docs and the repository: every service the docs name exists, the app
 * services run the repository's own pipeline file, and start-up order is gated by health.
 */
class ComposeFileTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern TABLE_ROW = Pattern.compile("^\\|\\s*`([a-z0-9-]+)`\\s*\\|");
    private static final Pattern HEADING = Pattern.compile("^(#+)\\s+(.*)$");
    private static final String PIPELINE = "./topologies/harvest.yaml";

    private static JsonNode services;

    @BeforeAll
    static void parse() throws IOException {
        services = YAML.readTree(Path.of("docker-compose.yml").toFile()).path("services");
    }

    @Test
    void shouldDefineEveryServiceWhenDocsOrIssueNameIt() throws IOException {
        Set<String> documented = new LinkedHashSet<>();
        documented.addAll(documentedServices(Path.of("README.md")));
        documented.addAll(documentedServices(Path.of("docs/operations.md")));
        assertThat(documented).as("services listed in the docs' compose section").isNotEmpty();
        documented.addAll(List.of("kafka", "redis", "topics", "harvest-1", "harvest-2", "mock-provider", "prometheus",
                "grafana", "kafka-ui"));
        assertThat(names(services)).containsAll(documented);
        assertThat(services.path("kafka").path("image").asText()).startsWith("apache/kafka:");
        assertThat(services.path("kafka-ui").path("image").asText()).startsWith("kafbat/kafka-ui:");
        assertThat(services.path("redis").path("command").toString()).contains("--appendonly", "yes");
    }

    @Test
    void shouldMountRepositoryPipelineFileWhenServiceRunsPipeline() {
        List<String> apps = appServices();
        assertThat(apps).contains("topics", "harvest-1", "harvest-2");
        for (String name : apps) {
            JsonNode service = services.path(name);
            List<String> command = texts(service.path("command"));
            String inContainer = command.get(command.indexOf("--topology") + 1);
            assertThat(texts(service.path("volumes"))).as(name).contains(PIPELINE + ":" + inContainer + ":ro");
            assertThat(service.path("environment").path("HARVEST_KAFKA_BOOTSTRAP").asText()).as(name).isNotBlank();
        }
        assertThat(Path.of(PIPELINE)).exists();
        Set<String> instanceIds = new LinkedHashSet<>();
        for (String name : List.of("harvest-1", "harvest-2")) {
            JsonNode env = services.path(name).path("environment");
            assertThat(texts(services.path(name).path("command"))).as(name).startsWith("run");
            assertThat(env.path("HARVEST_REDIS_URI").asText()).as(name).startsWith("redis://redis:");
            instanceIds.add(env.path("HARVEST_INSTANCE_ID").asText());
        }
        assertThat(instanceIds).as("distinct instance ids").hasSize(2).doesNotContain("");
    }

    @Test
    void shouldGateStartOnHealthWhenServicesDependOnEachOther() {
        for (String name : List.of("kafka", "redis", "harvest-1", "harvest-2", "mock-provider", "prometheus", "grafana")) {
            assertThat(services.path(name).path("healthcheck").path("test").isArray()).as(name + " healthcheck").isTrue();
        }
        for (Map.Entry<String, JsonNode> service : services.properties()) {
            for (Map.Entry<String, JsonNode> dep : service.getValue().path("depends_on").properties()) {
                String condition = dep.getValue().path("condition").asText();
                String what = service.getKey() + " -> " + dep.getKey();
                assertThat(condition).as(what).isIn("service_healthy", "service_completed_successfully",
                        "service_started");
                if (condition.equals("service_healthy")) {
                    assertThat(services.path(dep.getKey()).has("healthcheck")).as(what).isTrue();
                }
            }
        }
        for (String app : List.of("harvest-1", "harvest-2")) {
            JsonNode deps = services.path(app).path("depends_on");
            assertThat(deps.path("topics").path("condition").asText()).isEqualTo("service_completed_successfully");
            assertThat(deps.path("kafka").path("condition").asText()).isEqualTo("service_healthy");
            assertThat(deps.path("redis").path("condition").asText()).isEqualTo("service_healthy");
        }
        assertThat(services.path("topics").path("depends_on").path("kafka").path("condition").asText())
                .isEqualTo("service_healthy");
    }

    @Test
    void shouldFindEveryMountedFileWhenMountedFromRepository() throws IOException {
        for (Map.Entry<String, JsonNode> service : services.properties()) {
            for (String volume : texts(service.getValue().path("volumes"))) {
                if (volume.startsWith("./")) {
                    assertThat(Path.of(volume.substring(0, volume.indexOf(':')))).as(service.getKey()).exists();
                }
            }
        }
        assertThat(texts(services.path("grafana").path("volumes")))
                .anyMatch(v -> v.startsWith("./helm/harvest-streams/dashboards/"));
        String prometheus = Files.readString(Path.of("deploy/prometheus/prometheus.yml"));
        assertThat(prometheus).contains("harvest-1:8080", "harvest-2:8080");
    }

    private static List<String> appServices() {
        List<String> out = new ArrayList<>();
        services.properties().forEach(e -> {
            if (e.getValue().path("image").asText().startsWith("harvest-streams:")
                    && texts(e.getValue().path("command")).contains("--topology")) {
                out.add(e.getKey());
            }
        });
        return out;
    }

    /** Service names in the first column (in backticks) of the tables under a heading that mentions compose. */
    static Set<String> documentedServices(Path markdown) throws IOException {
        Set<String> out = new LinkedHashSet<>();
        if (!Files.exists(markdown)) {
            return out;
        }
        int level = 0;
        for (String line : Files.readAllLines(markdown)) {
            Matcher heading = HEADING.matcher(line);
            if (heading.matches()) {
                int depth = heading.group(1).length();
                if (level > 0 && depth <= level) {
                    level = 0;
                }
                if (level == 0 && heading.group(2).toLowerCase().contains("compose")) {
                    level = depth;
                }
                continue;
            }
            Matcher row = TABLE_ROW.matcher(line);
            if (level > 0 && row.find()) {
                out.add(row.group(1));
            }
        }
        return out;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static Set<String> names(JsonNode object) {
        Set<String> out = new LinkedHashSet<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
