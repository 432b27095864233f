package dev.harvest.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.harvest.app.BatchReader;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code harvest batches list|show ID}: progress and completion of task batches. */
@Command(name = "batches", mixinStandardHelpOptions = true,
        description = "Task batches: how many of each ended, and the one completion record per batch.",
        subcommands = {BatchesCommand.ListBatches.class, BatchesCommand.Show.class})
final class BatchesCommand implements Runnable {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    @Override
    public void run() {
        System.out.println("use: harvest batches list|show ID --topology FILE");
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "One line per batch: status, size, completed, dead-lettered, outstanding, p50/p99.")
    static final class ListBatches implements Callable<Integer> {
        @Mixin
        PipelineOption pipeline;

        @Option(names = "--json", description = "One JSON object per batch")
        boolean json;

        @Override
        public Integer call() {
            Map<String, JsonNode> batches = BatchReader.latest(pipeline.load(), READ_TIMEOUT);
            if (json) {
                batches.values().forEach(b -> System.out.println(b.toString()));
                return 0;
            }
            String format = "%-24s %-11s %8s %10s %13s %11s %9s %9s%n";
            System.out.printf(format, "BATCH", "STATUS", "SIZE", "COMPLETED", "DEAD-LETTERED", "OUTSTANDING",
                    "P50 MS", "P99 MS");
            batches.values().forEach(b -> System.out.printf(format, cut(b.path("batchId").asText(), 24),
                    b.path("status").asText(), size(b.path("size").asLong()), b.path("completed").asLong(),
                    b.path("deadLettered").asLong(), size(b.path("outstanding").asLong()), b.path("p50Ms").asLong(),
                    b.path("p99Ms").asLong()));
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "The latest record of one batch.")
    static final class Show implements Callable<Integer> {
        @Mixin
        PipelineOption pipeline;

        @Parameters(index = "0", paramLabel = "ID", description = "Batch id")
        String id;

        @Override
        public Integer call() throws Exception {
            JsonNode b = BatchReader.latest(pipeline.load(), READ_TIMEOUT).get(id);
            if (b == null) {
                throw new IllegalArgumentException("no batch '" + id + "' (none of its tasks has ended yet, or it"
                        + " was never declared)");
            }
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(b));
            return 0;
        }
    }

    private static String size(long n) {
        return n < 0 ? "?" : Long.toString(n);
    }

    private static String cut(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 1) + "…";
    }
}
