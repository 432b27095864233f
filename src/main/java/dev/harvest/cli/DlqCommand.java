package dev.harvest.cli;

import dev.harvest.app.dlq.DeadLetter;
import dev.harvest.app.dlq.DeadLetterFilter;
import dev.harvest.app.dlq.DeadLetterReader;
import dev.harvest.app.dlq.DeadLetterReplayer;
import dev.harvest.app.dlq.ReplayReport;
import dev.harvest.app.dlq.ReplayRequest;
import dev.harvest.config.Durations;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code harvest dlq list|show|replay}: inspect the dead-letter topic and send dead letters back to a lane. */
@Command(name = "dlq", mixinStandardHelpOptions = true, description = "Inspect and replay the dead-letter topic.",
        subcommands = {DlqCommand.ListDeadLetters.class, DlqCommand.Show.class, DlqCommand.Replay.class})
final class DlqCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The filter options that {@code list} and {@code replay} share. */
    static final class Filters {

        @Option(names = "--reason", paramLabel = "R",
                description = "max-attempts, permanent-failure, malformed, unknown-type, oversized or expired")
        String reason;

        @Option(names = "--lane", paramLabel = "L", description = "Only dead letters of this lane")
        String lane;

        @Option(names = "--since", paramLabel = "DURATION", description = "Only those that failed within, e.g. 1h")
        String since;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
                description = "At most N, oldest first (default: all)")
        int limit;

        DeadLetterFilter toFilter(Clock clock) {
            return new DeadLetterFilter(reason, lane,
                    since == null ? null : clock.instant().minus(Durations.parse(since)), limit);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List dead letters, oldest first.")
    static final class ListDeadLetters implements Callable<Integer> {

        @Mixin
        PipelineOption pipeline;

        @Mixin
        Filters filters;

        @Option(names = "--json", description = "One JSON object per line, with all headers and the value")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (DeadLetterReader reader = new DeadLetterReader(pipeline.load())) {
                List<DeadLetter> letters = reader.read(filters.toFilter(Clock.systemUTC()));
                if (json) {
                    letters.forEach(d -> out.println(DlqFormat.jsonLine(d)));
                } else {
                    DlqFormat.table(out, letters, terminalWidth());
                }
            }
            out.flush();
            return 0;
        }

        private static int terminalWidth() {
            try {
                return Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "160").trim());
            } catch (NumberFormatException e) {
                return 160;
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show one dead letter with all its headers and the pretty-printed value.")
    static final class Show implements Callable<Integer> {

        @Mixin
        PipelineOption pipeline;

        @Option(names = "--offset", required = true, paramLabel = "O", description = "Offset in the DLQ topic")
        long offset;

        @Option(names = "--partition", paramLabel = "P",
                description = "Partition (needed only when several partitions have that offset)")
        Integer partition;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (DeadLetterReader reader = new DeadLetterReader(pipeline.load())) {
                List<Integer> partitions = partition != null ? List.of(partition) : reader.partitions();
                List<DeadLetter> found = new ArrayList<>();
                partitions.forEach(p -> reader.at(p, offset).ifPresent(found::add));
                if (found.isEmpty()) {
                    throw new IllegalArgumentException("no dead letter at offset " + offset
                            + (partition == null ? "" : " of partition " + partition));
                }
                if (found.size() > 1) {
                    throw new IllegalArgumentException("offset " + offset + " exists in partitions "
                            + found.stream().map(DeadLetter::partition).toList() + "; pick one with --partition");
                }
                DlqFormat.show(spec.commandLine().getOut(), found.get(0));
            }
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = {"Send matching dead letters back to their lane with a fresh attempt count.",
                "Every replay is recorded in <pipeline>.dlq.audit; a dead letter is replayed once unless --force.",
                "Exit code 1 when a canary dead-letters again (the rest is then not sent)."})
    static final class Replay implements Callable<Integer> {

        @Mixin
        PipelineOption pipeline;

        @Mixin
        Filters filters;

        @Option(names = "--to-lane", paramLabel = "L", description = "Send to this lane instead of the original one")
        String toLane;

        @Option(names = "--dry-run", description = "Print what would be replayed; send and record nothing")
        boolean dryRun;

        @Option(names = "--canary", paramLabel = "N", defaultValue = "0",
                description = "Replay N first; stop if any of them dead-letters again")
        int canary;

        @Option(names = "--canary-timeout", paramLabel = "DURATION", defaultValue = "2m",
                description = "How long to wait for the canaries' outcomes (default: ${DEFAULT-VALUE})")
        String canaryTimeout;

        @Option(names = "--force", description = "Also replay dead letters that were replayed before")
        boolean force;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            ReplayRequest request = new ReplayRequest(filters.toFilter(Clock.systemUTC()), toLane, dryRun, canary,
                    force, Durations.parse(canaryTimeout), ReplayRequest.currentOperator());
            ReplayReport report = new DeadLetterReplayer(pipeline.load(), Clock.systemUTC()).replay(request);
            DlqFormat.report(spec.commandLine().getOut(), report);
            spec.commandLine().getOut().flush();
            if (report.stopped()) {
                spec.commandLine().getErr().println("error: replay stopped: " + report.stopReason());
                return 1;
            }
            return 0;
        }
    }
}
