package dev.harvest.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code harvest bench} at a small size, two measurements per scenario, the broker in a JVM of its own: every
 * figure the README promises is reported, each within what is physically possible (no rate above its limit, no
 * ratio or count below zero).
 */
class BenchIT {

    @Test
    void shouldReportEveryFigureWithinItsPossibleRangeWhenRunSmall(@TempDir Path dir) throws Exception {
        List<String> log = new ArrayList<>();
        Path timeline = dir.resolve("timeline.csv");
        // Up to 3 s more warm-up per scenario: too short to judge the compilers, so the rounds run until it ends.
        // Tasks with keys, checked against a dedupe window of a minute: one dropped as a duplicate would leave a
        // scenario short of its outcomes.
        BenchOptions options = new BenchOptions(400, 100, 20, 50, 2, 500, "exactly_once_v2", false, 1, 0, false, 2,
                timeline, 3, List.of(), null, Duration.ofMinutes(1));
        Map<String, Object> out = new BenchRunner(options, log::add).run();

        assertThat(out).containsKeys("limitPerSec", "achievedPerSec", "efficiency", "p50Ms", "p99Ms", "pacedPerSec",
                "pacedP50Ms", "pacedP99Ms", "redisCallsPerTask", "pipelinePerSec", "passthroughPerSec",
                "overheadRatio", "storePassthroughPerSec", "storePassthroughRatio", "resultBytes",
                "resultPassthroughPerSec", "resultPassthroughRatio", "ledgerPassthroughPerSec", "ledgerPassthroughRatio");
        assertThat(out.get("broker")).as("started by the benchmark, in a JVM of its own").isEqualTo("own JVM");
        assertThat(number(out, "limitPerSec")).isEqualTo(50 * 1000.0 / 20);
        assertThat(number(out, "efficiency")).as("achieved / limit").isGreaterThan(0).isLessThanOrEqualTo(1.05);
        assertThat(out.get("achievedPerSecRuns")).asList().as("one rate per repeat, the median reported")
                .hasSize(2).contains(out.get("achievedPerSec"));
        assertThat(out.get("pipelinePerSecRuns")).asList().hasSize(2).contains(out.get("pipelinePerSec"));
        assertThat(number(out, "p99Ms")).isGreaterThanOrEqualTo(number(out, "p50Ms"));
        assertThat(number(out, "p50Ms")).as("no task is faster than its handler").isGreaterThanOrEqualTo(20);
        assertThat(number(out, "pacedP99Ms")).isGreaterThanOrEqualTo(number(out, "pacedP50Ms"));
        List<Long> pacedP99s = ((List<?>) out.get("pacedP99MsRuns")).stream().map(v -> ((Number) v).longValue()).toList();
        assertThat(pacedP99s).as("one per repeat, each no faster than the handler").hasSize(2)
                .allSatisfy(p99 -> assertThat(p99).isGreaterThanOrEqualTo(20));
        assertThat(number(out, "pacedP99Ms")).as("the p99 over all repeats lies between theirs")
                .isBetween((double) Collections.min(pacedP99s), (double) Collections.max(pacedP99s));
        assertThat(number(out, "lightP50Ms")).as("no task is faster than its handler").isGreaterThanOrEqualTo(20);
        assertThat(number(out, "lightP99Ms")).isGreaterThanOrEqualTo(number(out, "lightP50Ms"));
        assertThat(number(out, "pacedPerSec")).isEqualTo(0.8 * 50 * 1000.0 / 20);
        for (String figure : List.of("paced", "light", "passthroughPaced", "delayedPassthroughPaced",
                "permitPassthroughPaced")) {
            assertThat(number(out, figure + "ReadP50Ms")).as(figure + ": a result is read after it is written")
                    .isGreaterThanOrEqualTo(number(out, figure + "P50Ms"));
            assertThat(number(out, figure + "ReadP99Ms")).isGreaterThanOrEqualTo(number(out, figure + "P99Ms"))
                    .isGreaterThanOrEqualTo(number(out, figure + "ReadP50Ms"));
        }
        for (String figure : List.of("paced", "light")) {
            // The simulated handler waits L; the other stages are what the pipeline adds to it.
            assertThat(number(out, figure + "HandlerMs")).as(figure + ": mean time in the handler")
                    .isGreaterThanOrEqualTo(20).isLessThan(number(out, figure + "P99Ms"));
            assertThat(number(out, figure + "AdmissionMs")).as(figure + ": waiting for a lease")
                    .isGreaterThanOrEqualTo(0);
            assertThat(number(out, figure + "TransitMs")).as(figure + ": to the lane, and from the handler to the result")
                    .isPositive();
            assertThat(number(out, figure + "HandlerP99Ms")).as(figure + ": the handler's p99, a bucket's bound")
                    .isGreaterThanOrEqualTo(number(out, figure + "HandlerMs"));
            assertThat(number(out, figure + "AdmissionP99Ms")).isNotNegative();
        }
        assertThat(number(out, "lightReadP50Ms")).as("results read while the 10 s of light load are offered")
                .isLessThan(1000);
        assertThat(number(out, "passthroughPacedP50Ms")).as("the pass-through's latency at the same rate")
                .isGreaterThanOrEqualTo(0);
        assertThat(number(out, "passthroughPacedP99Ms")).isGreaterThanOrEqualTo(number(out, "passthroughPacedP50Ms"));
        assertThat(number(out, "pacedCommitsPerSec")).as("the lane committed (exactly-once: every 50 ms)")
                .isPositive().isLessThanOrEqualTo(20.5);
        assertThat(number(out, "pacedCommitMs")).isPositive();
        assertThat(number(out, "passthroughPacedCommitsPerSec")).as("the pass-through committed too")
                .isPositive().isLessThanOrEqualTo(20.5);
        assertThat(number(out, "passthroughPacedCommitMs")).isPositive();
        for (String figure : List.of("delayedPassthroughPaced", "permitPassthroughPaced")) {
            assertThat(number(out, figure + "P50Ms")).as(figure + ": each result forwarded after the handler's 20 ms")
                    .isGreaterThanOrEqualTo(20);
            assertThat(number(out, figure + "P99Ms")).isGreaterThanOrEqualTo(number(out, figure + "P50Ms"));
            assertThat(number(out, figure + "CommitsPerSec")).as(figure + ": committed").isPositive()
                    .isLessThanOrEqualTo(20.5);
        }
        assertThat(number(out, "pacedCommitRatio")).isBetween(0.0, 1.0);
        for (String scenario : List.of("bound", "pipeline", "passthrough", "storePassthrough", "resultPassthrough",
                "ledgerPassthrough")) {
            assertThat(number(out, scenario + "AppCpuUs")).as(scenario + ": the app's CPU time per task").isPositive();
            assertThat(number(out, scenario + "BrokerCpuUs")).as(scenario + ": the broker's").isPositive();
            assertThat(number(out, scenario + "RedisCpuUs")).as(scenario + ": Redis's").isGreaterThanOrEqualTo(0);
            // A record read and written is at least its bytes on the app's heap; the bench's own reader is not counted.
            assertThat(number(out, scenario + "AppAllocKiB")).as(scenario + ": the app's allocation per task")
                    .isGreaterThan(0.05).isLessThan(1024);
            assertThat(number(out, scenario + "JitCpuUs")).as(scenario + ": the JIT compilers' part of the two JVMs'")
                    .isGreaterThanOrEqualTo(0).isLessThanOrEqualTo(number(out, scenario + "AppCpuUs")
                            + number(out, scenario + "BrokerCpuUs"));
        }
        for (String scenario : List.of("bound", "pipeline")) {
            double warmup = number(out, scenario + "WarmupTasks");
            assertThat(warmup).as(scenario + ": the 100 warm-up tasks, then rounds of 400 for 3 s").isGreaterThan(100);
            assertThat((warmup - 100) % 400).isZero();
        }
        assertThat(log).anyMatch(line -> line.contains("-passthrough: ") && line.contains("more warm-up rounds"));
        assertThat(number(out, "pipelineRedisCpuUs")).as("admission and the ledger run in Redis").isPositive();
        assertThat(number(out, "redisCallsPerTask")).as("admission goes through Redis, batched")
                .isGreaterThan(0).isLessThan(1.0);
        assertThat(number(out, "handOversPerTask")).isBetween(0.0, 1.0);
        assertThat(number(out, "pacedHandedOverShare") + number(out, "pacedFirstCallShare")
                + number(out, "pacedAfterRefusalShare")).as("every paced grant came one of three ways")
                .isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.002));
        assertThat(number(out, "pacedFirstCallWaitMs")).isNotNegative();
        assertThat(number(out, "overheadRatio")).isGreaterThan(0);
        assertThat(number(out, "storePassthroughRatio")).as("store pass-through / plain pass-through")
                .isEqualTo(Math.round(number(out, "storePassthroughPerSec") / number(out, "passthroughPerSec") * 1000)
                        / 1000.0).isGreaterThan(0);
        for (String baseline : List.of("resultPassthrough", "ledgerPassthrough")) {
            assertThat(number(out, baseline + "Ratio")).as(baseline + " / plain pass-through")
                    .isEqualTo(Math.round(number(out, baseline + "PerSec") / number(out, "passthroughPerSec") * 1000)
                            / 1000.0).isGreaterThan(0);
        }
        assertThat(number(out, "resultBytes")).as("a result record: the task's id, status, result and times, and"
                + " its headers; the plain pass-through's records are under 40 bytes").isGreaterThan(150);
        assertThat(number(out, "ledgerPassthroughRedisCpuUs")).as("the ledger's writes run in Redis").isPositive();
        assertThat(log).anyMatch(line -> line.startsWith("result pass-throughs: records of "));
        assertThat(number(out, "inFlight")).as("every memory-scenario task held in flight").isEqualTo(500);
        assertThat(number(out, "heapMiB")).isPositive();
        assertThat(number(out, "peakHeapMiB")).isGreaterThanOrEqualTo(number(out, "heapMiB"));
        assertThat(number(out, "rssMiB")).isPositive();
        assertThat(log).anyMatch(line -> line.contains("paced at"));

        assertThat(number(out, "pacedPermitsHeld")).as("mean leases held for tasks of 50").isPositive()
                .isLessThanOrEqualTo(50);
        assertThat(number(out, "pacedPermitsKept")).as("mean leases kept with no task").isNotNegative()
                .isLessThanOrEqualTo(50.1 - number(out, "pacedPermitsHeld")); // each rounded to 0.1
        assertThat(number(out, "pacedPermitsIdleWhileWaiting")).isBetween(0.0, 1.0);
        assertThat(number(out, "pacedStalledShare")).isBetween(0.0, 1.0);
        assertThat(number(out, "pacedLongestStallMs")).isGreaterThanOrEqualTo(0);
        assertThat(number(out, "pacedGcMs")).as("the app's JVM's collections over the paced tasks")
                .isGreaterThanOrEqualTo(0);
        List<String> lines = Files.readAllLines(timeline);
        assertThat(lines.get(0)).isEqualTo("ms,offered,p50Ms,maxMs,acked,held,kept,waiting,running,processed,commits,"
                + "committing,polling,processing,punctuating,flushMs,sendOffsetsMs,endTxnMs,streamCpuMs,gcMs");
        List<String[]> rows = lines.stream().skip(1).map(l -> l.split(",", -1)).toList();
        assertThat(rows.stream().mapToLong(r -> Long.parseLong(r[1])).sum()).as("every paced task in one window")
                .isEqualTo(2 * 400);
        assertThat(rows.stream().mapToLong(r -> Long.parseLong(r[4])).sum()).as("every paced task acknowledged")
                .isEqualTo(2 * 400);
        assertThat(rows.stream().mapToDouble(r -> Double.parseDouble(r[9])).sum()).as("records the lane processed")
                .isGreaterThanOrEqualTo(2 * 400);
        assertThat(rows.stream().mapToDouble(r -> Double.parseDouble(r[10])).sum()).as("commits").isPositive();
        assertThat(rows).filteredOn(r -> !r[11].isEmpty()).allSatisfy(r -> assertThat(
                Double.parseDouble(r[11]) + Double.parseDouble(r[12]) + Double.parseDouble(r[13])
                        + Double.parseDouble(r[14])).as("shares of one window's samples").isBetween(0.0, 1.05));
        assertThat(rows).as("the stream thread was seen committing and polling")
                .anyMatch(r -> !r[11].isEmpty() && Double.parseDouble(r[11]) > 0)
                .anyMatch(r -> !r[12].isEmpty() && Double.parseDouble(r[12]) > 0);
        for (int column = 15; column <= 17; column++) {
            int c = column;
            assertThat(rows.stream().mapToDouble(r -> Double.parseDouble(r[c])).sum())
                    .as("time in each step of the commits: " + lines.get(0).split(",")[c]).isPositive();
        }
        assertThat(rows.stream().mapToDouble(r -> Double.parseDouble(r[18])).sum())
                .as("the stream thread's CPU time while it took in %d tasks", 2 * 400).isPositive();
        assertThat(rows).allSatisfy(r -> assertThat(Long.parseLong(r[19])).isNotNegative());
        assertThat(rows.stream().mapToLong(r -> Long.parseLong(r[19])).sum())
                .as("the windows' collection pauses add up to pacedGcMs").isEqualTo((long) number(out, "pacedGcMs"));
        assertThat(rows).filteredOn(r -> !r[2].isEmpty()).isNotEmpty().allSatisfy(r ->
                assertThat(Long.parseLong(r[3])).as("max ≥ median").isGreaterThanOrEqualTo(Long.parseLong(r[2])));
    }

    private static double number(Map<String, Object> out, String key) {
        return ((Number) out.get(key)).doubleValue();
    }
}
