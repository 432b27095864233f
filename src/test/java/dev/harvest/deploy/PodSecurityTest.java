package dev.harvest.deploy;

import static dev.harvest.deploy.Chart.FULLNAME;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * Every pod the chart makes (the workload either way, and the topics Job) runs restricted: non-root, no privilege
 * escalation, a read-only root filesystem, no capabilities, the runtime's seccomp profile, no service account
 * token. The image Jib builds runs as the same non-root user.
 */
class PodSecurityTest {

    @ParameterizedTest(name = "workload={0}")
    @ValueSource(strings = {"statefulset", "deployment"})
    void shouldRunEveryPodRestrictedWhenRenderedWithDefaults(String workload) {
        Chart chart = Chart.renderWithHooks(Map.of("workload", workload));
        List<JsonNode> pods = new ArrayList<>();
        pods.add(chart.workload());
        pods.add(chart.get("Job", FULLNAME + "-topics"));

        for (JsonNode owner : pods) {
            String what = owner.path("kind").asText();
            JsonNode pod = owner.at("/spec/template/spec");
            assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).as(what).isTrue();
            assertThat(pod.at("/securityContext/runAsUser").asInt()).as(what).isPositive();
            assertThat(pod.at("/securityContext/seccompProfile/type").asText()).as(what).isEqualTo("RuntimeDefault");
            assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).as(what).isFalse();
            assertThat(pod.path("hostNetwork").asBoolean(false) || pod.path("hostPID").asBoolean(false)
                    || pod.path("hostIPC").asBoolean(false)).as(what).isFalse();
            for (JsonNode container : containers(pod)) {
                String name = what + "/" + container.path("name").asText();
                JsonNode security = container.path("securityContext");
                assertThat(security.path("runAsNonRoot").asBoolean()).as(name).isTrue();
                assertThat(security.path("allowPrivilegeEscalation").asBoolean(true)).as(name).isFalse();
                assertThat(security.path("readOnlyRootFilesystem").asBoolean()).as(name).isTrue();
                assertThat(security.path("privileged").asBoolean(false)).as(name).isFalse();
                assertThat(StreamSupport.stream(security.at("/capabilities/drop").spliterator(), false)
                        .map(JsonNode::asText)).as(name).contains("ALL");
                assertThat(security.at("/capabilities/add").size()).as(name).isZero();
            }
        }
    }

    @Test
    void shouldBuildAnImageThatRunsAsTheChartsNonRootUser() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
        Element jib = null;
        for (int i = 0; i < pom.getElementsByTagName("artifactId").getLength(); i++) {
            Element artifact = (Element) pom.getElementsByTagName("artifactId").item(i);
            if (artifact.getTextContent().equals("jib-maven-plugin")) {
                jib = (Element) artifact.getParentNode();
            }
        }
        assertThat(jib).as("jib-maven-plugin in pom.xml").isNotNull();
        String user = ((Element) jib.getElementsByTagName("container").item(0)).getElementsByTagName("user").item(0)
                .getTextContent().strip();
        int uid = Integer.parseInt(user.split(":")[0]);
        int gid = Integer.parseInt(user.split(":")[1]);

        assertThat(uid).as("image user id").isPositive();
        assertThat(gid).as("image group id").isPositive();
        JsonNode pod = Chart.render(Map.of()).workload().at("/spec/template/spec/securityContext");
        assertThat(pod.path("runAsUser").asInt()).as("the chart runs the image's user").isEqualTo(uid);
        assertThat(pod.path("runAsGroup").asInt()).isEqualTo(gid);
    }

    private static List<JsonNode> containers(JsonNode pod) {
        List<JsonNode> all = new ArrayList<>();
        pod.path("initContainers").forEach(all::add);
        pod.path("containers").forEach(all::add);
        assertThat(all).isNotEmpty();
        return all;
    }
}
