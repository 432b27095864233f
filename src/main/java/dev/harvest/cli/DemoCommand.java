package dev.harvest.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.harvest.app.DemoRunner;
import dev.harvest.app.DemoSummary;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code harvest demo}: everything embedded, a few thousand tasks, and a summary. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start an embedded broker, Redis and a rate-limited mock provider, run the pipeline on sample"
                + " tasks across the lanes, print a summary. Exits 0 only when no task was lost.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--tasks", defaultValue = "3000", description = "Tasks to produce (default: ${DEFAULT-VALUE})")
    int tasks;

    @Option(names = "--json", description = "Make the last line of output one JSON object with the figures")
    boolean json;

    @Option(names = "--seed", defaultValue = "7", description = "Seed of the task mix (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--timeout", defaultValue = "180", description = "Seconds to wait for the pipeline to drain")
    int timeoutSeconds;

    @Option(names = "--keep-running", description = "Leave the stack up after the summary")
    boolean keepRunning;

    @Override
    public Integer call() throws Exception {
        if (tasks <= 0) {
            throw new IllegalArgumentException("--tasks must be > 0, was " + tasks);
        }
        PrintStream out = System.out;
        DemoSummary s;
        try (DemoProgressView view = new DemoProgressView(out, System.console() != null && !json)) {
            s = new DemoRunner(new DemoRunner.Options(tasks, seed, Duration.ofSeconds(timeoutSeconds), keepRunning),
                    view).run();
        }
        SummaryTable.print(s, out);
        if (json) {
            out.println(new ObjectMapper().writeValueAsString(jsonOf(s)));
        }
        return s.lost() == 0 ? 0 : 1;
    }

    static Map<String, Object> jsonOf(DemoSummary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("produced", s.produced());
        m.put("completed", s.completed());
        m.put("deadLettered", s.deadLettered());
        m.put("retried", s.retried());
        m.put("lost", s.lost());
        m.put("duplicateOutcomes", s.duplicateOutcomes());
        m.put("throughputPerSec", Math.round(s.throughputPerSec() * 10) / 10.0);
        m.put("p50Ms", s.p50Ms());
        m.put("p95Ms", s.p95Ms());
        m.put("p99Ms", s.p99Ms());
        m.put("seconds", Math.round(s.seconds() * 10) / 10.0);
        m.put("byLane", s.byLane());
        m.put("deadLettersByReason", s.deadLettersByReason());
        m.putAll(s.extra());
        return m;
    }
}
