package dev.harvest.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The example deployments under {@code topologies/}: each loads, validates and is sized consistently. */
class PresetsTest {

    private static PipelineConfig load(String name) {
        return new PipelineLoader(n -> null).load(Path.of("topologies", "preset-" + name + ".yaml"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"small", "medium", "large"})
    void shouldLoadAndGiveEveryHandlerAKeyPoolPermitsAndABreakerWhenPresetIsRead(String name) {
        PipelineConfig config = load(name);

        assertThat(config.pipeline()).isEqualTo(name);
        assertThat(config.lanes()).allSatisfy(l -> assertThat(l.topic()).startsWith(name + ".tasks."));
        assertThat(config.lanes().get(0).maxBacklog()).as("the top lane never refuses work").isNull();
        assertThat(config.lanes().subList(1, config.lanes().size()))
                .allSatisfy(l -> assertThat(l.maxBacklog()).isPositive());
        config.handlers().forEach((type, h) -> {
            assertThat(h.keyPool()).as(type).isNotNull();
            assertThat(h.permits()).as(type).isNotNull();
            assertThat(h.breaker().enabled()).as(type).isTrue();
            KeyPoolConfig pool = config.keyPool(h.keyPool()).orElseThrow();
            assertThat(config.permit(h.permits()).orElseThrow().permits())
                    .as("%s: permits never above what its keys can carry", type).isLessThanOrEqualTo(pool.capacity());
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"small", "medium", "large"})
    void shouldLimitTheRequestRateOfEveryKeyPoolWhenPresetIsRead(String name) {
        assertThat(load(name).keyPools()).allSatisfy(pool -> {
            assertThat(pool.rate()).as("%s: rate", pool.name()).isNotNull();
            assertThat(pool.rate().requests()).as("%s: requests per window", pool.name()).isPositive();
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"medium", "large"})
    void shouldKeepLedgerEntriesAnHourWhereADayWouldFillRedisWhenPresetIsRead(String name) {
        // ~600 bytes an entry: at the large preset's 1,000 tasks/s a day of entries is some 50 GB, an hour 2.2 GB.
        assertThat(load(name).ledgerTtl()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void shouldGrowFromSmallToLargeWhenPresetsAreCompared() {
        List<PipelineConfig> sizes = List.of(load("small"), load("medium"), load("large"));

        for (int i = 1; i < sizes.size(); i++) {
            assertThat(partitions(sizes.get(i))).isGreaterThan(partitions(sizes.get(i - 1)));
            assertThat(permits(sizes.get(i))).isGreaterThan(permits(sizes.get(i - 1)));
            assertThat(keys(sizes.get(i))).isGreaterThan(keys(sizes.get(i - 1)));
        }
        assertThat(sizes.get(0).strictPriority()).isFalse();
        assertThat(sizes.get(2).strictPriority()).isTrue();
    }

    private static int partitions(PipelineConfig c) {
        return c.lanes().stream().mapToInt(LaneConfig::partitions).max().orElseThrow();
    }

    private static int permits(PipelineConfig c) {
        return c.permits().stream().mapToInt(PermitConfig::permits).sum();
    }

    private static int keys(PipelineConfig c) {
        return c.keyPools().stream().mapToInt(p -> p.keys().size()).sum();
    }
}
