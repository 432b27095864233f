package dev.harvest.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.ResourceLeakDetector;
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
}
