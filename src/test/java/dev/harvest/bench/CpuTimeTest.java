package dev.harvest.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuTimeTest {

    @Test
    void shouldSumStretchesAndReportMicrosecondsPerUnit() {
        CpuTime first = new CpuTime(5_000_000, 3_000_000, 1_000_000, 700_000)
                .since(new CpuTime(1_000_000, 1_000_000, 0, 200_000));
        CpuTime total = CpuTime.ZERO.plus(first).plus(new CpuTime(6_000_000, 2_000_000, 1_000_000, 500_000));

        assertThat(total).isEqualTo(new CpuTime(10_000_000, 4_000_000, 2_000_000, 1_000_000));
        assertThat(total.perUnit("pipeline", 1_000)).containsExactly(
                Map.entry("pipelineAppCpuUs", 10.0), Map.entry("pipelineBrokerCpuUs", 4.0),
                Map.entry("pipelineRedisCpuUs", 2.0), Map.entry("pipelineJitCpuUs", 1.0));
    }

    @Test
    void shouldLeaveTheBrokerAndTheCompilersOutWhenUnknown() {
        CpuTime inside = new CpuTime(9_000, -1, 3_000, -1).since(new CpuTime(3_000, -1, 0, 0));
        CpuTime total = CpuTime.ZERO.plus(inside);

        assertThat(total.brokerNanos()).isEqualTo(-1);
        assertThat(total.compilerNanos()).isEqualTo(-1);
        assertThat(total.perUnit("bound", 3)).containsOnlyKeys("boundAppCpuUs", "boundRedisCpuUs")
                .containsEntry("boundAppCpuUs", 2.0).containsEntry("boundRedisCpuUs", 1.0);
    }
}
