package dev.harvest.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChildEnvironmentTest {

    @Test
    void shouldDropInheritedHarvestSettingsAndKeepTheRest() {
        ProcessBuilder pb = new ProcessBuilder("true");
        pb.environment().put("HARVEST_LOG_LEVEL", "WARN");
        pb.environment().put("HARVEST_KAFKA_BOOTSTRAP", "elsewhere:9092");
        pb.environment().put("NOT_HARVEST_SETTING", "kept");

        assertThat(ChildEnvironment.withoutInheritedSettings(pb)).isSameAs(pb);
        assertThat(pb.environment()).doesNotContainKeys("HARVEST_LOG_LEVEL", "HARVEST_KAFKA_BOOTSTRAP")
                .containsEntry("NOT_HARVEST_SETTING", "kept");
    }
}
