package dev.harvest.cli;

import dev.harvest.config.ConfigException;
import dev.harvest.config.Durations;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code harvest}: the command line of Harvest Streams. */
@Command(name = "harvest", mixinStandardHelpOptions = true, version = "harvest 0.1.0",
        description = "Rate-limited, failure-prone work at high concurrency on Kafka Streams and Redis.",
        subcommands = {DemoCommand.class, BenchCommand.class, RunCommand.class, DevCommand.class, ProduceCommand.class,
            TopicsCommand.class, DescribeCommand.class, DlqCommand.class, KeysCommand.class, BreakersCommand.class,
            BatchesCommand.class, MockProviderCommand.class, CommandLine.HelpCommand.class})
public final class HarvestCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns its exit code (tests call this instead of {@link #main}). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new HarvestCli());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("error: " + oneLine(e));
            return e instanceof ConfigException || e instanceof IllegalArgumentException ? 2 : 1;
        });
        return cli.execute(args);
    }

    static String oneLine(Throwable e) {
        String msg = e.getMessage();
        if (msg == null || msg.isBlank()) {
            msg = e.getClass().getSimpleName();
        }
        return msg.lines().findFirst().orElse(msg);
    }

    /** The duration {@code value} of {@code option}; a bad one fails with the option's name first. */
    static Duration duration(String option, String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
