package dev.harvest.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CpuTimeTest {

    @Test
    void shouldSumStretchesAndReportMicrosecondsPerUnit() {
        CpuTime first = new CpuTime(5_000_000, 3_000_000, 1_000_000).since(new CpuTime(1_000_000, 1_000_000, 0));
        CpuTime total = CpuTime.ZERO.plus(first).plus(new CpuTime(6_000_000, 2_000_000, 1_000_000));

        assertThat(total).isEqualTo(new CpuTime(10_000_000, 4_000_000, 2_000_000));
        assertThat(total.perUnit("pipeline", 1_000)).containsExactly(
                java.util.Map.entry("pipelineAppCpuUs", 10.0), java.util.Map.entry("pipelineBrokerCpuUs", 4.0),
                java.util.Map.entry("pipelineRedisCpuUs", 2.0));
    }

    @Test
    void shouldLeaveTheBrokerOutWhenItRunsInsideTheApp() {
        CpuTime inside = new CpuTime(9_000, -1, 3_000).since(new CpuTime(3_000, -1, 0));
        CpuTime total = CpuTime.ZERO.plus(inside);

        assertThat(total.brokerNanos()).isEqualTo(-1);
        assertThat(total.perUnit("bound", 3)).containsOnlyKeys("boundAppCpuUs", "boundRedisCpuUs")
                .containsEntry("boundAppCpuUs", 2.0).containsEntry("boundRedisCpuUs", 1.0);
    }
}
