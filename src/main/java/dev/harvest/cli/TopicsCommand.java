package dev.harvest.cli;

import dev.harvest.app.TopicAdmin;
import dev.harvest.config.PipelineConfig;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code harvest topics create}: creates every topic of the pipeline, idempotently. */
@Command(name = "topics", mixinStandardHelpOptions = true, description = "Manage the pipeline's topics.",
        subcommands = TopicsCommand.Create.class)
final class TopicsCommand implements Runnable {

    @Override
    public void run() {
        System.out.println("use: harvest topics create --topology FILE");
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create every topic of the pipeline that does not exist yet (idempotent).")
    static final class Create implements Callable<Integer> {

        @Mixin
        PipelineOption pipeline;

        @Override
        public Integer call() {
            PipelineConfig config = pipeline.load();
            List<String> created = TopicAdmin.createAll(config);
            TopicAdmin.plan(config).forEach((topic, partitions) -> System.out.printf("%-40s %3d partitions  %s%n",
                    topic, partitions, created.contains(topic) ? "created" : "exists"));
            return 0;
        }
    }
}
