package dev.harvest.cli;

import dev.harvest.client.Backpressure;
import dev.harvest.client.HarvestProducer;
import dev.harvest.client.LaneBacklogFullException;
import dev.harvest.config.Durations;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code harvest produce}: sends task records (one JSON object per line) to a lane, through the Java client. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Produce tasks, one JSON object per line, from a file or stdin, to a lane's topic. A task without"
                + " an id gets a random one; a task without an idempotencyKey gets its id.")
final class ProduceCommand implements Callable<Integer> {

    @Mixin
    PipelineOption pipeline;

    @Option(names = {"-l", "--lane"}, required = true, description = "Lane name, e.g. high")
    String lane;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "JSON-lines file (default: stdin)")
    Path file;

    @Option(names = "--batch", paramLabel = "ID", description = "Send the tasks as batch ID and declare its size"
            + " (their count) once all are sent; needs 'batches: true' in the pipeline file")
    String batch;

    @Option(names = "--backlog-wait", paramLabel = "DURATION", defaultValue = "0s",
            description = "When the lane's lag is above its maxBacklog, wait up to this long for it to drop before"
                    + " stopping (default: stop at once)")
    String backlogWait;

    @Override
    public Integer call() throws IOException {
        Backpressure backpressure = Backpressure.block(Durations.parse(backlogWait));
        try (HarvestProducer producer = HarvestProducer.create(pipeline.load(), backpressure);
             BufferedReader in = file == null
                     ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                     : Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            producer.lane(lane);
            if (batch != null) {
                producer.checkBatch(batch);
            }
            int sent = 0;
            int lineNo = 0;
            String line;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    producer.submitJson(line.strip(), lane, batch);
                } catch (IllegalArgumentException | LaneBacklogFullException e) {
                    producer.flush();
                    String where = "line " + lineNo + ": " + e.getMessage() + " (" + sent + " tasks before it were sent)";
                    throw e instanceof LaneBacklogFullException ? new IllegalStateException(where)
                            : new IllegalArgumentException(where);
                }
                sent++;
            }
            if (batch != null) {
                producer.declareBatch(batch, sent);
            }
            producer.flush();
            System.out.println("produced " + sent + " tasks to lane " + lane
                    + (batch == null ? "" : " as batch " + batch));
            return 0;
        }
    }
}
