package dev.harvest.cli;

import dev.harvest.app.DemoRunner;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows the demo's progress: one live bar per lane (rate and ETA) on a terminal, plain lines every two seconds
 * otherwise (CI logs, pipes).
 */
final class DemoProgressView implements DemoRunner.Listener, AutoCloseable {

    private final PrintStream out;
    private final boolean terminal;
    private final Map<String, ProgressBar> bars = new LinkedHashMap<>();
    private Map<String, Long> totals = Map.of();
    private long nextLine;

    DemoProgressView(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void message(String line) {
        out.println(line);
    }

    @Override
    public void started(String metricsUrl, Map<String, Long> tasksPerLane) {
        totals = tasksPerLane;
        out.println("produced " + tasksPerLane.values().stream().mapToLong(Long::longValue).sum()
                + " tasks " + tasksPerLane + "; metrics at " + metricsUrl);
        if (terminal) {
            tasksPerLane.forEach((lane, total) -> bars.put(lane, new ProgressBarBuilder().setTaskName(lane)
                    .setInitialMax(total).setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).showSpeed()
                    .setUnit(" tasks", 1).build()));
        }
    }

    @Override
    public void progress(Map<String, Long> endedPerLane) {
        if (terminal) {
            endedPerLane.forEach((lane, n) -> {
                ProgressBar bar = bars.get(lane);
                if (bar != null) {
                    bar.stepTo(n);
                }
            });
            return;
        }
        long now = System.nanoTime();
        if (now < nextLine && !done(endedPerLane)) {
            return;
        }
        nextLine = now + 2_000_000_000L;
        StringBuilder line = new StringBuilder("  progress:");
        totals.forEach((lane, total) -> line.append(' ').append(lane).append(' ')
                .append(endedPerLane.getOrDefault(lane, 0L)).append('/').append(total));
        out.println(line);
    }

    private boolean done(Map<String, Long> ended) {
        return totals.entrySet().stream().allMatch(e -> ended.getOrDefault(e.getKey(), 0L) >= e.getValue());
    }

    @Override
    public void close() {
        bars.values().forEach(ProgressBar::close);
    }
}
