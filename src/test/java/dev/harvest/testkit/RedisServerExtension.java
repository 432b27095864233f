package dev.harvest.testkit;

import dev.harvest.config.RedisSettings;
import dev.harvest.devstack.LocalRedis;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Redis for a test class, on a free port: {@code redis-server} from the PATH, else the embedded binary.
 * Use as {@code @RegisterExtension static final RedisServerExtension REDIS = new RedisServerExtension();}.
 * Tests that restart or kill Redis should start their own {@link LocalRedis} instead.
 */
public final class RedisServerExtension implements BeforeAllCallback, AfterAllCallback {

    private LocalRedis redis;

    @Override
    public void beforeAll(ExtensionContext context) {
        redis = LocalRedis.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (redis != null) {
            redis.stop();
        }
    }

    public LocalRedis server() {
        return redis;
    }

    public String uri() {
        return redis.uri();
    }

    /**
     * Settings with a command timeout short enough that fault tests notice a dead server quickly (a refused
     * connection is noticed at once anyway), and long enough for a busy 2-core machine running the broker too.
     */
    public RedisSettings settings() {
        return settingsFor(redis);
    }

    public static RedisSettings settingsFor(LocalRedis server) {
        return new RedisSettings(server.uri(), Duration.ofSeconds(2));
    }
}
