package dev.harvest.cli;

import dev.harvest.app.Describer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code harvest describe}: prints each app's Topology.describe(). */
@Command(name = "describe", mixinStandardHelpOptions = true,
        description = "Print the Topology.describe() of every app of the pipeline.")
final class DescribeCommand implements Callable<Integer> {

    @Mixin
    PipelineOption pipeline;

    @Override
    public Integer call() {
        System.out.print(Describer.snapshot(pipeline.load()));
        return 0;
    }
}
