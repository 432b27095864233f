package dev.harvest.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** Renders helm/harvest-streams with Helm (bundled by helm-java) and reads the objects back. */
final class Chart {

    static final Path DIR = Path.of("helm/harvest-streams");
    static final String RELEASE = "harvest";
    static final String NAMESPACE = "streams";
    static final String FULLNAME = "harvest-harvest-streams";
    /** Helm 3's built-in default (v1.20) is older than the chart's kubeVersion constraint. */
    static final String KUBE_VERSION = "1.31.0";
    /** What {@code helm.sh/hook} annotations become in {@link #renderWithHooks}. */
    static final String HOOK_ANNOTATION = "test.harvest.dev/hook";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final List<JsonNode> objects;

    private Chart(List<JsonNode> objects) {
        this.objects = objects;
    }

    /** {@code helm template harvest helm/harvest-streams -n streams --set k=v ...}. */
    static Chart render(Map<String, Object> sets) {
        TemplateCommand template = new Helm(DIR).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        sets.forEach(template::set);
        return new Chart(parse(template.call()));
    }

    /**
     * Renders the hooks too. {@code helm template} through helm-java leaves hook objects out (it prints only the
     * release manifest), so this renders a copy of the chart whose hook annotations are renamed to
     * {@value #HOOK_ANNOTATION}: the hooks then render as ordinary objects, annotations and all.
     */
    static Chart renderWithHooks(Map<String, Object> sets) {
        Path copy = copyWithoutHooks();
        try {
            TemplateCommand template = new Helm(copy).template().withName(RELEASE).withNamespace(NAMESPACE)
                    .withKubeVersion(KUBE_VERSION);
            sets.forEach(template::set);
            return new Chart(parse(template.call()));
        } finally {
            deleteTree(copy);
        }
    }

    /** Same, with a values file. */
    static Chart render(Path valuesFile, Map<String, Object> sets) {
        TemplateCommand template = new Helm(DIR).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION).withValuesFile(valuesFile);
        sets.forEach(template::set);
        return new Chart(parse(template.call()));
    }

    private static Path copyWithoutHooks() {
        try {
            Path target = Files.createTempDirectory("harvest-chart-");
            try (Stream<Path> files = Files.walk(DIR)) {
                for (Path source : files.toList()) {
                    Path dest = target.resolve(DIR.relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(dest);
                    } else if (source.toString().endsWith(".yaml")) {
                        Files.writeString(dest, Files.readString(source).replace("helm.sh/hook:", HOOK_ANNOTATION + ":"));
                    } else {
                        Files.copy(source, dest);
                    }
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<JsonNode> parse(String manifests) {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(manifests)) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && doc.isObject() && doc.has("kind")) {
                    docs.add(doc);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("rendered manifests are not YAML", e);
        }
        return docs;
    }

    List<JsonNode> objects() {
        return objects;
    }

    List<JsonNode> all(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    Optional<JsonNode> find(String kind, String name) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())
                && name.equals(o.path("metadata").path("name").asText())).findFirst();
    }

    JsonNode get(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in "
                + objects.stream().map(o -> o.path("kind").asText() + "/" + o.path("metadata").path("name").asText())
                .toList()));
    }

    /** The StatefulSet or Deployment. */
    JsonNode workload() {
        return find("StatefulSet", FULLNAME).or(() -> find("Deployment", FULLNAME))
                .orElseThrow(() -> new AssertionError("no workload"));
    }

    static JsonNode container(JsonNode workloadOrJob) {
        return workloadOrJob.path("spec").path("template").path("spec").path("containers").get(0);
    }

    static Optional<JsonNode> env(JsonNode container, String name) {
        for (JsonNode env : container.path("env")) {
            if (name.equals(env.path("name").asText())) {
                return Optional.of(env);
            }
        }
        return Optional.empty();
    }

    static Optional<JsonNode> named(JsonNode list, String name) {
        for (JsonNode item : list) {
            if (name.equals(item.path("name").asText())) {
                return Optional.of(item);
            }
        }
        return Optional.empty();
    }
}
