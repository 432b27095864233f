package dev.harvest.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.harvest.devstack.LocalRedis;
import dev.harvest.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LuaScriptIT {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final LuaScript STATUS = LuaScript.load("pool_status");
    private static final String[] KEYS = {"hs:{lua-it}:fence"};

    @Test
    void shouldFallBackToEvalWhenScriptCacheWasFlushed() {
        try (RedisClients clients = RedisClients.connect(REDIS.settings())) {
            clients.connection().sync().scriptFlush();
            assertThat(clients.connection().sync().scriptExists(STATUS.sha())).containsExactly(false);

            ScriptReply reply = STATUS.run(clients.async(), KEYS, "nopool").toCompletableFuture().join();

            assertThat(reply.longAt(0)).isEqualTo(-1);
            assertThat(clients.connection().sync().scriptExists(STATUS.sha())).containsExactly(true);
        }
    }

    @Test
    void shouldFailAsUnavailableAndRecoverWhenRedisRestarts() {
        try (LocalRedis own = LocalRedis.start(); RedisClients clients = RedisClients.connect(RedisServerExtension.settingsFor(own))) {
            own.kill();

            assertThatThrownBy(() -> STATUS.run(clients.async(), KEYS, "p").toCompletableFuture().join())
                    .isInstanceOf(CompletionException.class).hasCauseInstanceOf(RedisUnavailableException.class);

            own.restart();
            await("script runs again after the restart (reconnect + NOSCRIPT fallback)").atMost(Duration.ofSeconds(10))
                    .ignoreExceptions()
                    .until(() -> STATUS.run(clients.async(), KEYS, "p").toCompletableFuture().join().longAt(0) == -1);
        }
    }

    @Test
    void shouldThrowUnavailableWhenNothingListensAtConnect() {
        LocalRedis own = LocalRedis.start();
        own.stop();

        assertThatThrownBy(() -> RedisClients.connect(RedisServerExtension.settingsFor(own)))
                .isInstanceOf(RedisUnavailableException.class).hasMessageContaining("connect");
    }
}
