package dev.harvest.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harvest.config.RedisSettings;
import io.lettuce.core.RedisConnectionException;
import io.netty.util.ResourceLeakDetector;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RedisClientsTest {

    private final ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();

    @AfterEach
    void restore() {
        System.clearProperty("io.netty.leakDetection.level");
        ResourceLeakDetector.setLevel(before);
    }

    @Test
    void shouldTurnNettysLeakDetectorOffByDefault() {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);

        RedisClients.quietLeakDetection();

        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.DISABLED);
    }

    @Test
    void shouldLeaveItToTheOperatorWhoAsksForIt() {
        System.setProperty("io.netty.leakDetection.level", "paranoid");
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);

        RedisClients.quietLeakDetection();

        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
    }

    @Test
    void shouldConnectAgainWhenTheHandshakeEndsWithoutItsReasonAndThenGiveUp() throws Exception {
        // A peer that accepts and closes at once: every handshake ends with the channel, giving no reason.
        AtomicInteger accepted = new AtomicInteger();
        try (ServerSocket server = new ServerSocket(0)) {
            Thread closer = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        accepted.incrementAndGet();
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            closer.setDaemon(true);
            closer.start();

            assertThatThrownBy(() -> RedisClients.connect(new RedisSettings("redis://127.0.0.1:" + server.getLocalPort(),
                    Duration.ofSeconds(2))).close()).isInstanceOf(RedisUnavailableException.class)
                    .satisfies(e -> assertThat(e.getMessage()).as("either way the channel ended without a reason")
                            .containsAnyOf("closed prematurely", "RedisHandshakeHandler not registered"));
            assertThat(accepted).hasValue(RedisClients.HANDSHAKE_ATTEMPTS);
        }
    }

    @Test
    void shouldTellAHandshakeClosedWithoutReasonFromARefusal() {
        RedisConnectionException closed = new RedisConnectionException("Connection closed prematurely");
        assertThat(RedisClients.closedWithoutReason(new RedisConnectionException("Unable to connect", closed))).isTrue();
        assertThat(RedisClients.closedWithoutReason(new RedisConnectionException("Unable to connect",
                new RedisConnectionException("WRONGPASS invalid username-password pair")))).isFalse();
        assertThat(RedisClients.closedWithoutReason(new RedisConnectionException("Unable to connect",
                new IllegalStateException("RedisHandshakeHandler not registered")))).isTrue();
        assertThat(RedisClients.closedWithoutReason(new RedisConnectionException("Connection refused"))).isFalse();
    }
}
