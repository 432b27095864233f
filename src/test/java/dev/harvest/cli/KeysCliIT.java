package dev.harvest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.config.PipelineConfig;
import dev.harvest.config.PipelineLoader;
import dev.harvest.lease.redis.RedisAdmissionControl;
import dev.harvest.redis.RedisClients;
import dev.harvest.testkit.RedisServerExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code harvest keys …} against a real Redis: list, add (secret from stdin, never echoed), cooldown, remove. */
class KeysCliIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut;
    private PrintStream oldErr;
    private InputStream oldIn;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        oldIn = System.in;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
        System.setIn(oldIn);
    }

    @Test
    void shouldManageKeysLiveWhenPoolIsInRedis() throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, """
                pipeline: keyscli
                kafka: { bootstrapServers: "localhost:1" }
                redis: { uri: "%s" }
                lanes: [ { name: high, topic: keyscli.tasks } ]
                keyPools:
                  - { name: pool, maxConcurrentPerKey: 2, keys: [ { id: k1, secret: "inline-secret" } ] }
                handlers:
                  t: { kind: simulated, keyPool: pool }
                """.formatted(REDIS.uri()));
        PipelineConfig config = new PipelineLoader(n -> null).load(file);
        try (RedisClients clients = RedisClients.connect(config.redis());
             RedisAdmissionControl admission = new RedisAdmissionControl(clients, config, new SimpleMeterRegistry())) {
            admission.start();
        }
        String f = file.toString();
        assertThat(HarvestCli.execute("keys", "list", "--topology", f)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("k1", "0/2");
        System.setIn(new ByteArrayInputStream("runtime-secret-123\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(HarvestCli.execute("keys", "add", "--topology", f, "--key", "k2", "--secret-stdin")).isZero();
        assertThat(HarvestCli.execute("keys", "cooldown", "--topology", f, "--key", "k1", "--for", "30s")).isZero();
        out.reset();
        assertThat(HarvestCli.execute("keys", "list", "--topology", f, "--json")).isZero();
        String listed = out.toString(StandardCharsets.UTF_8);
        assertThat(listed).contains("\"key\":\"k2\"").doesNotContain("runtime-secret-123");
        assertThat(listed.lines().filter(l -> l.contains("\"key\":\"k1\"")).findFirst().orElseThrow())
                .doesNotContain("\"cooldownMs\":0");
        assertThat(HarvestCli.execute("keys", "remove", "--topology", f, "--key", "k2")).isZero();
        assertThat(HarvestCli.execute("keys", "remove", "--topology", f, "--key", "k2")).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8).strip()).isEqualTo("error: pool pool has no key k2");
        assertThat(out.toString(StandardCharsets.UTF_8) + err).doesNotContain("runtime-secret-123");
    }
}
