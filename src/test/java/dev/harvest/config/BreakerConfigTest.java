package dev.harvest.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class BreakerConfigTest {

    private static final String FILE = """
            pipeline: p
            kafka: { bootstrapServers: "localhost:9092" }
            lanes:
              - { name: main, topic: p.tasks }
            handlers:
              fetch: { kind: http, url: "http://127.0.0.1:1/v1/work", timeout: 5s%s }
            """;

    private static PipelineConfig load(String breaker) {
        return new PipelineLoader(n -> null).parse(FILE.formatted(breaker));
    }

    @Test
    void shouldGiveEveryHandlerADefaultBreakerWhenNoneIsWritten() {
        BreakerConfig b = load("").handlers().get("fetch").breaker();

        assertThat(b.enabled()).isTrue();
        assertThat(b.failureRate()).isEqualTo(50);
        assertThat(b.slowCallRate()).isEqualTo(100);
        assertThat(b.slowCall()).as("the handler's timeout").isEqualTo(Duration.ofSeconds(5));
        assertThat(b.window()).isEqualTo(20);
        assertThat(b.minCalls()).isEqualTo(10);
        assertThat(b.openFor()).isEqualTo(Duration.ofSeconds(10));
        assertThat(b.halfOpenCalls()).isEqualTo(3);
    }

    @Test
    void shouldMapEveryKeyWhenBreakerIsWrittenInFull() {
        BreakerConfig b = load(", breaker: { failureRate: 40, slowCallRate: 80, slowCall: 2s, window: 30,"
                + " minCalls: 12, wait: 15s, halfOpenCalls: 4 }").handlers().get("fetch").breaker();

        assertThat(b).isEqualTo(new BreakerConfig(true, 40, 80, Duration.ofSeconds(2), 30, 12,
                Duration.ofSeconds(15), 4));
    }

    @Test
    void shouldTurnBreakerOffWhenEnabledIsFalse() {
        assertThat(load(", breaker: { enabled: false }").handlers().get("fetch").breaker().enabled()).isFalse();
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("failureRate: 0", "handlers.fetch.breaker.failureRate: must be a percentage from 1 to 100"),
                Arguments.of("slowCallRate: 101", "handlers.fetch.breaker.slowCallRate: must be a percentage"),
                Arguments.of("window: 0", "handlers.fetch.breaker.window: must be > 0"),
                Arguments.of("window: 5, minCalls: 6", "handlers.fetch.breaker.minCalls: must not exceed window (5)"),
                Arguments.of("wait: 0s", "handlers.fetch.breaker.wait: must be a positive duration"),
                Arguments.of("halfOpenCalls: 0", "handlers.fetch.breaker.halfOpenCalls: must be > 0"),
                Arguments.of("slowCall: 6s", "handlers.fetch.breaker.slowCall: must not exceed the handler's timeout (5s)"),
                Arguments.of("colour: red", "handlers.fetch.breaker.colour: unknown field 'colour'"));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void shouldNameTheFieldWhenBreakerSettingIsInvalid(String setting, String expectedStart) {
        assertThatThrownBy(() -> load(", breaker: { " + setting + " }"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(expectedStart);
    }
}
