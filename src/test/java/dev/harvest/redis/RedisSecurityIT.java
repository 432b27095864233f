package dev.harvest.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.harvest.config.ConfigException;
import dev.harvest.config.RedisSettings;
import dev.harvest.config.RedisTls;
import dev.harvest.devstack.LocalRedis;
import dev.harvest.testkit.TestCertificates;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Logging in to a real {@code redis-server} that requires it: {@code requirepass}, an ACL user, and TLS with a
 * certificate made by the test (server-only and mutual TLS). Every refused login fails with a message that does
 * not show the password.
 */
class RedisSecurityIT {

    private static final String PASSWORD = "redis-pass-7f3e";
    private static final String USER = "harvest";
    private static final String USER_PASSWORD = "acl-pass-91c2";
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private static Path dir;
    private static TestCertificates ca;
    private static TestCertificates.Issued client;
    private static LocalRedis server;
    private static int tlsPort;
    private static int mutualTlsPort;

    @BeforeAll
    static void startServer() throws IOException {
        dir = Files.createTempDirectory("redis-security-");
        ca = TestCertificates.authority(dir, "redis-test");
        TestCertificates.Issued cert = ca.issueServer("redis-server");
        client = ca.issueClient("redis-client");
        tlsPort = freePort();
        mutualTlsPort = freePort();
        List<String> tls = List.of("--tls-cert-file", cert.certPem().toString(), "--tls-key-file",
                cert.keyPem().toString(), "--tls-ca-cert-file", ca.caPem().toString());
        List<String> args = new java.util.ArrayList<>(List.of("--requirepass", PASSWORD,
                "--user", USER, "on", ">" + USER_PASSWORD, "~*", "&*", "+@all",
                "--tls-port", Integer.toString(tlsPort), "--tls-auth-clients", "no"));
        args.addAll(tls);
        server = LocalRedis.start(args);
        assumeThat(server.isEmbeddedBinary()).as("needs redis-server on the PATH (the bundled binary has no TLS)")
                .isFalse();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void shouldRunCommandsWhenPasswordIsInTheUri() {
        try (RedisClients redis = RedisClients.connect(settings("redis://:" + PASSWORD + "@127.0.0.1:" + server.port()))) {
            assertThat(sync(redis).ping()).isEqualTo("PONG");
            assertThat(sync(redis).aclWhoami()).isEqualTo("default");
        }
    }

    @Test
    void shouldLogInAsTheAclUserWhenUsernameAndPasswordAreGiven() {
        RedisSettings settings = new RedisSettings(plainUri(), TIMEOUT, USER, USER_PASSWORD, null);

        try (RedisClients redis = RedisClients.connect(settings)) {
            assertThat(sync(redis).aclWhoami()).isEqualTo(USER);
            assertThat(sync(redis).set("hs:security-check", "1")).isEqualTo("OK");
        }
    }

    @Test
    void shouldRefuseWithoutLeakingThePasswordWhenItIsMissingOrWrong() {
        assertThatThrownBy(() -> RedisClients.connect(settings(plainUri())).close())
                .isInstanceOf(RedisUnavailableException.class).hasMessageContaining("NOAUTH");
        String wrong = "wrong-pass-0000";
        assertThatThrownBy(() -> RedisClients.connect(new RedisSettings(plainUri(), TIMEOUT, USER, wrong, null)).close())
                .isInstanceOf(RedisUnavailableException.class).hasMessageContaining("WRONGPASS")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(wrong, USER_PASSWORD, PASSWORD));
    }

    @Test
    void shouldConnectOverTlsWhenTheCaFileTrustsTheServer() {
        RedisTls tls = new RedisTls(ca.caPem().toString(), null, null, null);
        RedisSettings settings = new RedisSettings("rediss://127.0.0.1:" + tlsPort, TIMEOUT, USER, USER_PASSWORD, tls);

        try (RedisClients redis = RedisClients.connect(settings)) {
            assertThat(sync(redis).aclWhoami()).isEqualTo(USER);
        }
    }

    @Test
    void shouldRefuseTlsWhenTheServerCertificateIsSignedByAnotherCa() throws IOException {
        TestCertificates other = TestCertificates.authority(Files.createTempDirectory(dir, "other"), "other");
        RedisTls tls = new RedisTls(other.caPem().toString(), null, null, "full");

        assertThatThrownBy(() -> RedisClients.connect(new RedisSettings("rediss://127.0.0.1:" + tlsPort, TIMEOUT,
                null, PASSWORD, tls)).close()).isInstanceOf(RedisUnavailableException.class)
                .hasMessageContaining("certification path");
    }

    @Test
    void shouldPresentTheClientCertificateWhenTheServerRequiresOne() {
        try (LocalRedis mutual = LocalRedis.start(List.of("--tls-port", Integer.toString(mutualTlsPort),
                "--tls-auth-clients", "yes", "--tls-cert-file", dir.resolve("redis-server.crt").toString(),
                "--tls-key-file", dir.resolve("redis-server.key").toString(), "--tls-ca-cert-file",
                ca.caPem().toString()))) {
            String uri = "rediss://127.0.0.1:" + mutualTlsPort;
            RedisTls withoutCert = new RedisTls(ca.caPem().toString(), null, null, null);
            RedisTls withCert = new RedisTls(ca.caPem().toString(), client.certPem().toString(),
                    client.keyPem().toString(), "full");

            assertThatThrownBy(() -> RedisClients.connect(new RedisSettings(uri, TIMEOUT, null, null, withoutCert))
                    .close()).isInstanceOf(RedisUnavailableException.class);
            try (RedisClients redis = RedisClients.connect(new RedisSettings(uri, TIMEOUT, null, null, withCert))) {
                assertThat(sync(redis).ping()).isEqualTo("PONG");
            }
        }
    }

    @Test
    void shouldNameTheFieldWhenACertificateFileCannotBeRead() {
        RedisTls tls = new RedisTls(dir.resolve("missing-ca.crt").toString(), null, null, null);

        assertThatThrownBy(() -> RedisClients.connect(new RedisSettings("rediss://127.0.0.1:" + tlsPort, TIMEOUT,
                null, PASSWORD, tls)).close())
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("redis.tls.caFile: cannot read file");
    }

    private static String plainUri() {
        return "redis://127.0.0.1:" + server.port();
    }

    private static RedisSettings settings(String uri) {
        return new RedisSettings(uri, TIMEOUT);
    }

    private static io.lettuce.core.api.sync.RedisCommands<String, String> sync(RedisClients redis) {
        return redis.connection().sync();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
