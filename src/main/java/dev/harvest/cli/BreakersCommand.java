package dev.harvest.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.harvest.app.BreakerBoard;
import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code harvest breakers}: the circuit breaker of every handler on every running instance. */
@Command(name = "breakers", mixinStandardHelpOptions = true,
        description = "Per handler and instance: breaker state, failure and slow-call rates, as each instance last"
                + " published them to Redis (every second).")
final class BreakersCommand implements Callable<Integer> {

    @Mixin
    PipelineOption pipeline;

    @Option(names = "--json", description = "One JSON object per handler and instance")
    boolean json;

    @Override
    public Integer call() throws IOException {
        try (BreakerBoard board = new BreakerBoard(pipeline.load())) {
            print(board.rows(), System.currentTimeMillis(), json, System.out);
            return 0;
        }
    }

    static void print(List<BreakerBoard.Row> rows, long now, boolean json, PrintStream out) throws IOException {
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            for (BreakerBoard.Row r : rows) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("handler", r.handler());
                row.put("instance", r.instance());
                row.put("state", r.state());
                row.put("failureRate", r.failureRate());
                row.put("slowCallRate", r.slowCallRate());
                row.put("ageMs", now - r.atMillis());
                row.put("stale", r.isStaleAt(now));
                out.println(mapper.writeValueAsString(row));
            }
            return;
        }
        if (rows.isEmpty()) {
            out.println("no breaker states published (no instance running with Redis, or every breaker is off)");
            return;
        }
        out.printf("%-16s %-28s %-10s %9s %9s %10s%n", "handler", "instance", "state", "failures", "slow", "updated");
        for (BreakerBoard.Row r : rows) {
            long ageSeconds = Math.max(0, (now - r.atMillis()) / 1000);
            out.printf("%-16s %-28s %-10s %9s %9s %10s%n", r.handler(), r.instance(), r.state(),
                    percent(r.failureRate()), percent(r.slowCallRate()),
                    r.isStaleAt(now) ? "stale" : ageSeconds + "s ago");
        }
    }

    private static String percent(double rate) {
        return rate < 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", rate);
    }
}
