package dev.harvest.deploy;

import static dev.harvest.deploy.Chart.FULLNAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.harvest.config.KeyConfig;
import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code helm lint --strict} and {@code helm template} of helm/harvest-streams, through helm-java's bundled Helm. */
class HelmChartTest {

    private static final String SECRET = FULLNAME + "-secrets";

    private static Chart defaults;

    @BeforeAll
    static void renderDefaults() {
        defaults = Chart.renderWithHooks(Map.of());
    }

    @Test
    void shouldPassStrictLint() {
        LintResult lint = new Helm(Chart.DIR).lint().strict().call();

        assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    @Test
    void shouldRenderAStatefulSetWithAPvcPerPodAndParallelStartByDefault() {
        JsonNode sts = defaults.get("StatefulSet", FULLNAME);

        assertThat(sts.at("/spec/podManagementPolicy").asText()).isEqualTo("Parallel");
        assertThat(sts.at("/spec/replicas").asInt()).isEqualTo(3);
        assertThat(sts.at("/spec/serviceName").asText()).isEqualTo(FULLNAME + "-headless");
        defaults.get("Service", FULLNAME + "-headless");
        JsonNode claim = sts.at("/spec/volumeClaimTemplates/0");
        assertThat(claim.at("/metadata/name").asText()).isEqualTo("state");
        assertThat(claim.at("/spec/accessModes/0").asText()).isEqualTo("ReadWriteOnce");
        assertThat(claim.at("/spec/resources/requests/storage").asText()).isEqualTo("10Gi");
        JsonNode podSpec = sts.at("/spec/template/spec");
        assertThat(Chart.named(podSpec.path("volumes"), "state")).as("state comes from the claim").isEmpty();
        assertThat(defaults.all("Deployment")).isEmpty();
    }

    @Test
    void shouldUseThePodNameAsStaticMembershipIdAndRunThePipelineFile() {
        JsonNode container = Chart.container(defaults.workload());

        assertThat(Chart.env(container, "HARVEST_INSTANCE_ID").orElseThrow()
                .at("/valueFrom/fieldRef/fieldPath").asText()).isEqualTo("metadata.name");
        assertThat(Chart.env(container, "HARVEST_STATE_DIR").orElseThrow().path("value").asText())
                .isEqualTo("/var/lib/harvest/state");
        assertThat(Chart.env(container, "JAVA_TOOL_OPTIONS").orElseThrow().path("value").asText())
                .contains("-XX:MaxRAMPercentage=75");
        assertThat(container.has("command")).as("the image's entrypoint runs the CLI").isFalse();
        assertThat(strings(container.path("args"))).containsSubsequence("run", "--topology",
                "/etc/harvest/pipeline.yaml", "--state-dir", "/var/lib/harvest/state", "--metrics-port", "8080");
        assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(8080);
        assertThat(container.at("/resources/limits/memory").asText()).isNotBlank();
        assertThat(container.at("/resources/requests/cpu").asText()).isNotBlank();
    }

    @Test
    void shouldProbeTheHealthEndpointsAndTolerateASlowStart() {
        JsonNode container = Chart.container(defaults.workload());

        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health/live");
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/health/ready");
        JsonNode startup = container.path("startupProbe");
        assertThat(startup.at("/httpGet/path").asText()).isEqualTo("/health/live");
        assertThat(startup.path("periodSeconds").asInt() * startup.path("failureThreshold").asInt())
                .as("seconds the startup probe allows").isGreaterThanOrEqualTo(300);
        assertThat(container.at("/livenessProbe/httpGet/port").asText()).isEqualTo("http-metrics");
        assertThat(defaults.workload().at("/spec/template/spec/terminationGracePeriodSeconds").asInt())
                .as("longer than the app's 30s shutdown bound").isGreaterThan(30);
    }

    @Test
    void shouldRunAsNonRootOnAReadOnlyRootFilesystemWithWritableStateAndTmp() {
        JsonNode podSpec = defaults.workload().at("/spec/template/spec");
        JsonNode container = Chart.container(defaults.workload());

        assertThat(podSpec.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(podSpec.at("/securityContext/runAsUser").asInt()).isPositive();
        assertThat(podSpec.at("/securityContext/fsGroup").asInt()).as("PVC writable").isPositive();
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean()).isFalse();
        assertThat(strings(container.at("/securityContext/capabilities/drop"))).contains("ALL");
        assertThat(mountPaths(container)).containsEntry("state", "/var/lib/harvest/state").containsEntry("tmp", "/tmp");
        assertThat(Chart.named(podSpec.path("volumes"), "tmp").orElseThrow().has("emptyDir")).isTrue();
    }

    @Test
    void shouldMountThePipelineConfigMapAndTheSecretAsFiles() {
        JsonNode podSpec = defaults.workload().at("/spec/template/spec");
        JsonNode container = Chart.container(defaults.workload());

        assertThat(mountPaths(container)).containsEntry("pipeline", "/etc/harvest/pipeline.yaml")
                .containsEntry("secrets", "/etc/harvest/secrets");
        assertThat(Chart.named(container.path("volumeMounts"), "secrets").orElseThrow().path("readOnly").asBoolean())
                .isTrue();
        assertThat(Chart.named(podSpec.path("volumes"), "secrets").orElseThrow().at("/secret/secretName").asText())
                .isEqualTo(SECRET);
        assertThat(Chart.named(podSpec.path("volumes"), "pipeline").orElseThrow().at("/configMap/name").asText())
                .isEqualTo(FULLNAME + "-pipeline");
        defaults.get("Secret", SECRET);
        assertThat(Chart.env(container, "KAFKA_SASL_PASSWORD").orElseThrow().at("/valueFrom/secretKeyRef/name")
                .asText()).isEqualTo(SECRET);
    }

    @Test
    void shouldRenderAPipelineFileThatTheProjectsLoaderAccepts() {
        JsonNode container = Chart.container(defaults.workload());
        Map<String, String> env = literalEnv(container);
        String yaml = defaults.get("ConfigMap", FULLNAME + "-pipeline").at("/data/pipeline.yaml").asText();

        PipelineConfig config = new PipelineLoader(env::get).parse(yaml);

        assertThat(config.pipeline()).isEqualTo("harvest");
        assertThat(config.kafka().bootstrapServers()).isEqualTo("kafka:9092");
        assertThat(config.redis().uri()).isEqualTo("redis://redis:6379");
        assertThat(config.lanes()).hasSize(3);
        assertThat(config.keyPools().stream().flatMap(p -> p.keys().stream()).map(KeyConfig::secretFile))
                .as("API key secrets are files of the mounted Secret").allMatch(f -> f.startsWith("/etc/harvest/secrets/"));
    }

    @Test
    void shouldGiveEveryObjectTheStandardLabels() {
        for (JsonNode object : defaults.objects()) {
            assertThat(object.at("/metadata/labels").fieldNames()).toIterable()
                    .as("labels of %s %s", object.path("kind").asText(), object.at("/metadata/name").asText())
                    .contains("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
                            "app.kubernetes.io/managed-by", "helm.sh/chart");
        }
        JsonNode podLabels = defaults.workload().at("/spec/template/metadata/labels");
        JsonNode selector = defaults.workload().at("/spec/selector/matchLabels");
        selector.properties().forEach(e -> assertThat(podLabels.path(e.getKey()).asText()).isEqualTo(e.getValue().asText()));
    }

    @Test
    void shouldLimitVoluntaryDisruptionsToOneInstance() {
        JsonNode pdb = defaults.get("PodDisruptionBudget", FULLNAME);

        assertThat(pdb.at("/spec/maxUnavailable").asInt()).isEqualTo(1);
        assertThat(pdb.at("/spec/selector/matchLabels")).isEqualTo(defaults.workload().at("/spec/selector/matchLabels"));
    }

    @Test
    void shouldExposeTheMetricsPortThroughAServiceThatKeepsNotReadyPods() {
        JsonNode service = defaults.get("Service", FULLNAME);

        assertThat(service.at("/spec/ports/0/port").asInt()).isEqualTo(8080);
        assertThat(service.at("/spec/ports/0/name").asText()).isEqualTo("http-metrics");
        assertThat(service.at("/spec/publishNotReadyAddresses").asBoolean()).isTrue();
        assertThat(service.at("/spec/selector")).isEqualTo(defaults.workload().at("/spec/selector/matchLabels"));
        assertThat(defaults.all("ServiceMonitor")).isEmpty();
    }

    @Test
    void shouldShipTheDashboardInAConfigMapForTheGrafanaSidecar() throws Exception {
        JsonNode cm = defaults.get("ConfigMap", FULLNAME + "-dashboard");

        assertThat(cm.at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
        String json = cm.at("/data/harvest-streams.json").asText();
        assertThat(json.strip()).isEqualTo(Files.readString(MetricCatalog.DASHBOARD, StandardCharsets.UTF_8).strip());
    }

    @Test
    void shouldCreateTheTopicsInAPreInstallAndPreUpgradeHookJob() {
        JsonNode job = defaults.get("Job", FULLNAME + "-topics");
        JsonNode container = Chart.container(job);

        assertThat(job.at("/metadata/annotations").path(Chart.HOOK_ANNOTATION).asText()).isEqualTo("pre-install,pre-upgrade");
        assertThat(strings(container.path("args"))).containsExactly("topics", "create", "--topology",
                "/etc/harvest/pipeline.yaml");
        assertThat(container.has("command")).as("the image's entrypoint runs the CLI").isFalse();
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        // Ordinary objects do not exist yet at pre-install: the Job reads hook copies made just before it.
        JsonNode pipeline = defaults.get("ConfigMap", FULLNAME + "-topics");
        assertThat(pipeline.at("/metadata/annotations").path(Chart.HOOK_ANNOTATION).asText()).isEqualTo("pre-install,pre-upgrade");
        assertThat(pipeline.at("/metadata/annotations/helm.sh~1hook-weight").asInt())
                .isLessThan(job.at("/metadata/annotations/helm.sh~1hook-weight").asInt());
        assertThat(pipeline.at("/data/pipeline.yaml").asText())
                .isEqualTo(defaults.get("ConfigMap", FULLNAME + "-pipeline").at("/data/pipeline.yaml").asText());
        JsonNode volumes = job.at("/spec/template/spec/volumes");
        assertThat(Chart.named(volumes, "pipeline").orElseThrow().at("/configMap/name").asText()).isEqualTo(FULLNAME + "-topics");
        assertThat(Chart.named(volumes, "secrets").orElseThrow().at("/secret/secretName").asText()).isEqualTo(FULLNAME + "-topics");
        defaults.get("Secret", FULLNAME + "-topics");
    }

    @Test
    void shouldRunAsADeploymentWithoutPersistenceOrStaticMembershipWhenAsked() {
        Chart chart = Chart.render(Map.of("workload", "deployment"));
        JsonNode deployment = chart.get("Deployment", FULLNAME);
        JsonNode container = Chart.container(deployment);

        assertThat(chart.all("StatefulSet")).isEmpty();
        assertThat(chart.find("Service", FULLNAME + "-headless")).isEmpty();
        assertThat(deployment.at("/spec/volumeClaimTemplates").isMissingNode()).isTrue();
        assertThat(Chart.named(deployment.at("/spec/template/spec/volumes"), "state").orElseThrow().has("emptyDir")).isTrue();
        assertThat(Chart.env(container, "HARVEST_INSTANCE_ID")).as("random pod names: dynamic membership").isEmpty();
        assertThat(deployment.at("/spec/strategy/rollingUpdate/maxUnavailable").asInt()).isZero();
    }

    @Test
    void shouldUseAnExistingSecretAndMakeNoneWhenNamed() {
        Chart chart = Chart.renderWithHooks(Map.of("secrets.existingSecret", "provider-keys"));
        JsonNode container = Chart.container(chart.workload());

        assertThat(chart.all("Secret")).isEmpty();
        assertThat(Chart.named(chart.workload().at("/spec/template/spec/volumes"), "secrets").orElseThrow()
                .at("/secret/secretName").asText()).isEqualTo("provider-keys");
        assertThat(Chart.env(container, "HARVEST_REDIS_PASSWORD").orElseThrow().at("/valueFrom/secretKeyRef/name").asText())
                .isEqualTo("provider-keys");
        JsonNode job = chart.get("Job", FULLNAME + "-topics");
        assertThat(Chart.named(job.at("/spec/template/spec/volumes"), "secrets").orElseThrow().at("/secret/secretName")
                .asText()).isEqualTo("provider-keys");
    }

    @Test
    void shouldPutTheGivenSecretsIntoTheChartsSecretAndThePasswordIntoTheRedisUri() {
        Chart chart = Chart.render(Map.of("secrets.apiKeys.provider-a-key-1", "sk-test-1", "secrets.redisPassword", "pw1",
                "redis.auth", "true"));
        JsonNode data = chart.get("Secret", SECRET).path("data");
        JsonNode container = Chart.container(chart.workload());

        assertThat(decode(data.path("provider-a-key-1"))).isEqualTo("sk-test-1");
        assertThat(decode(data.path("redis-password"))).isEqualTo("pw1");
        List<String> envNames = StreamSupport.stream(container.path("env").spliterator(), false)
                .map(e -> e.path("name").asText()).toList();
        assertThat(envNames.indexOf("HARVEST_REDIS_PASSWORD")).as("defined before it is referenced")
                .isLessThan(envNames.indexOf("HARVEST_REDIS_URI"));
        assertThat(Chart.env(container, "HARVEST_REDIS_URI").orElseThrow().path("value").asText())
                .isEqualTo("redis://:$(HARVEST_REDIS_PASSWORD)@redis:6379");
    }

    @Test
    void shouldRenderAServiceMonitorForTheMetricsServiceOnly() {
        Chart chart = Chart.render(Map.of("metrics.serviceMonitor.enabled", "true"));
        JsonNode monitor = chart.get("ServiceMonitor", FULLNAME);
        JsonNode selector = monitor.at("/spec/selector/matchLabels");

        assertThat(monitor.at("/spec/endpoints/0/port").asText()).isEqualTo("http-metrics");
        assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/metrics");
        assertThat(matches(selector, chart.get("Service", FULLNAME))).isTrue();
        assertThat(matches(selector, chart.get("Service", FULLNAME + "-headless"))).as("no double scrape").isFalse();
    }

    @Test
    void shouldScaleOnLaneLagWithKedaUpToThePartitionsOfTheWidestLane() {
        Chart chart = Chart.render(Map.of("keda.enabled", "true"));
        JsonNode scaled = chart.get("ScaledObject", FULLNAME);

        assertThat(scaled.at("/spec/scaleTargetRef/kind").asText()).isEqualTo("StatefulSet");
        assertThat(scaled.at("/spec/scaleTargetRef/name").asText()).isEqualTo(FULLNAME);
        assertThat(scaled.at("/spec/maxReplicaCount").asInt()).isEqualTo(6);
        assertThat(scaled.at("/spec/triggers")).hasSize(3);
        assertThat(scaled.at("/spec/triggers/0/metadata/query").asText())
                .isEqualTo("max(harvest_lane_lag{namespace=\"streams\", lane=\"high\"})");
        assertThat(chart.workload().at("/spec/replicas").isMissingNode()).as("KEDA owns the replica count").isTrue();
        assertThatThrownBy(() -> Chart.render(Map.of("keda.enabled", "true", "keda.maxReplicas", "7")))
                .hasMessageContaining("must not exceed the partitions of the widest lane (6)");
    }

    @Test
    void shouldScaleWithKedasKafkaScalerOnTheLaneAppsConsumerGroup() {
        Chart chart = Chart.render(Map.of("keda.enabled", "true", "keda.trigger", "kafka", "keda.lanes[0]", "low",
                "workload", "deployment"));
        JsonNode scaled = chart.get("ScaledObject", FULLNAME);

        assertThat(scaled.at("/spec/scaleTargetRef/kind").asText()).isEqualTo("Deployment");
        assertThat(scaled.at("/spec/triggers")).hasSize(1);
        assertThat(scaled.at("/spec/triggers/0/metadata/consumerGroup").asText()).isEqualTo("harvest-low");
        assertThat(scaled.at("/spec/triggers/0/metadata/topic").asText()).isEqualTo("harvest.tasks.low");
    }

    @Test
    void shouldShipAlertRulesOnMetricsTheAppExports() {
        Chart chart = Chart.render(Map.of("prometheusRule.enabled", "true"));
        JsonNode rules = chart.get("PrometheusRule", FULLNAME).at("/spec/groups/0/rules");
        Map<String, String> exprByAlert = StreamSupport.stream(rules.spliterator(), false)
                .collect(Collectors.toMap(r -> r.path("alert").asText(), r -> r.path("expr").asText()));

        assertThat(exprByAlert).containsKeys("HarvestMultipleLeaders", "HarvestStreamThreadsFailed",
                "HarvestNoAliveStreamThreads", "HarvestLaneLagHigh", "HarvestPermitsExhausted", "HarvestDeadLettersHigh");
        assertThat(exprByAlert.get("HarvestMultipleLeaders")).contains("sum by (", "(harvest_leader) > 1");
        assertThat(exprByAlert.get("HarvestLaneLagHigh")).contains("harvest_lane_lag", "> 10000");
        Set<String> names = MetricCatalog.metricNames(MetricCatalog.alertExpressions(chart.objects()));
        assertThat(names).isNotEmpty().allSatisfy(n -> assertThat(MetricCatalog.isKnown(n))
                .as("%s is neither in MetricNames nor a Kafka Streams/JVM metric", n).isTrue());
    }

    @Test
    void shouldRejectValuesThatWouldFailInTheCluster() {
        assertThatThrownBy(() -> Chart.render(Map.of("workload", "daemonset")))
                .hasMessageContaining("workload must be statefulset or deployment");
        assertThatThrownBy(() -> Chart.render(Map.of("terminationGracePeriodSeconds", "30")))
                .hasMessageContaining("longer than the app's 30s shutdown bound");
        assertThatThrownBy(() -> Chart.render(Map.of("admission", "local")))
                .hasMessageContaining("single replica");
    }

    @Test
    void shouldTakeTheWholePipelineFileFromValues(@TempDir Path dir) throws Exception {
        Path values = dir.resolve("values.yaml");
        Files.writeString(values, """
                pipeline: |
                  pipeline: orders
                  kafka: { bootstrapServers: "${HARVEST_KAFKA_BOOTSTRAP}" }
                  lanes:
                    - { name: only, topic: orders.tasks, partitions: 2, maxInFlight: 8 }
                  handlers:
                    sim: { kind: simulated, latency: 1ms }
                keda: { enabled: true, maxReplicas: 2, trigger: kafka }
                """);
        Chart chart = Chart.render(values, Map.of());
        String yaml = chart.get("ConfigMap", FULLNAME + "-pipeline").at("/data/pipeline.yaml").asText();

        PipelineConfig config = new PipelineLoader(literalEnv(Chart.container(chart.workload()))::get).parse(yaml);

        assertThat(config.pipeline()).isEqualTo("orders");
        assertThat(chart.get("ScaledObject", FULLNAME).at("/spec/triggers/0/metadata/consumerGroup").asText())
                .isEqualTo("orders-only");
    }

    private static List<String> strings(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    private static Map<String, String> mountPaths(JsonNode container) {
        Map<String, String> paths = new HashMap<>();
        container.path("volumeMounts").forEach(m -> paths.put(m.path("name").asText(), m.path("mountPath").asText()));
        return paths;
    }

    /** The container's environment variables that have a literal value (what the pipeline file can use). */
    private static Map<String, String> literalEnv(JsonNode container) {
        Map<String, String> env = new HashMap<>();
        container.path("env").forEach(e -> {
            if (e.has("value")) {
                env.put(e.path("name").asText(), e.path("value").asText());
            }
        });
        return env;
    }

    private static String decode(JsonNode base64) {
        return new String(Base64.getDecoder().decode(base64.asText()), StandardCharsets.UTF_8);
    }

    private static boolean matches(JsonNode selector, JsonNode object) {
        JsonNode labels = object.at("/metadata/labels");
        return selector.properties().stream()
                .allMatch(e -> e.getValue().asText().equals(labels.path(e.getKey()).asText()));
    }
}
