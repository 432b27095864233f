package dev.harvest.cli;

import dev.harvest.app.TaskProducer;
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

/** {@code harvest produce}: sends task records (one JSON object per line) to a lane. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Produce tasks, one JSON object per line, from a file or stdin, to a lane's topic.")
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

    @Override
    public Integer call() throws IOException {
        try (TaskProducer producer = new TaskProducer(pipeline.load());
             BufferedReader in = file == null
                     ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                     : Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            producer.lane(lane);
            int sent = 0;
            int lineNo = 0;
            String line;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    if (batch == null) {
                        producer.sendJson(lane, line.strip());
                    } else {
                        producer.sendJson(lane, line.strip(), batch);
                    }
                } catch (IllegalArgumentException e) {
                    producer.flush();
                    throw new IllegalArgumentException("line " + lineNo + ": " + e.getMessage() + " (" + sent
                            + " tasks before it were sent)");
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
