package dev.harvest.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.harvest.app.dlq.DeadLetter;
import dev.harvest.app.dlq.ReplayReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;

/** How {@code harvest dlq} prints dead letters: a table, JSON lines, one record in full, a replay report. */
final class DlqFormat {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROW = "%-4s %-8s %-24s %-12s %-8s %-17s %4s %-20s %s%n";

    private DlqFormat() {
    }

    /** One line per dead letter; the error message is cut so that a line fits in {@code width} columns. */
    static void table(PrintWriter out, List<DeadLetter> letters, int width) {
        out.printf(ROW, "PART", "OFFSET", "TASK ID", "TYPE", "LANE", "REASON", "ATT", "FAILED AT", "ERROR");
        int room = Math.max(20, width - 106);
        for (DeadLetter d : letters) {
            String attempts = d.attempts() < 0 ? "-" : Integer.toString(d.attempts());
            out.printf(ROW, d.partition(), d.offset(), cut(d.taskId(), 24), cut(d.type(), 12), cut(d.lane(), 8),
                    cut(d.reason(), 17), attempts, d.failedAt().truncatedTo(ChronoUnit.SECONDS),
                    cut(d.errorMessage(), room));
        }
        out.println(letters.size() + " dead letter" + (letters.size() == 1 ? "" : "s"));
    }

    /** One JSON object: the facts, every header and the value (as JSON when it is JSON, else as text). */
    static String jsonLine(DeadLetter d) {
        ObjectNode node = JSON.createObjectNode();
        node.put("topic", d.topic()).put("partition", d.partition()).put("offset", d.offset()).put("key", d.key())
                .put("taskId", d.taskId()).put("type", d.type()).put("lane", d.lane()).put("reason", d.reason())
                .put("attempts", d.attempts()).put("failedAt", d.failedAt().toString())
                .put("error", d.errorMessage());
        ObjectNode headers = node.putObject("headers");
        d.headers().forEach(headers::put);
        JsonNode value = tree(d.value());
        if (value != null) {
            node.set("value", value);
        } else {
            node.put("value", text(d.value()));
        }
        return node.toString();
    }

    /** The record in full: where it is, all headers, and the value pretty-printed. */
    static void show(PrintWriter out, DeadLetter d) throws JsonProcessingException {
        out.printf("topic:     %s%npartition: %d%noffset:    %d%nkey:       %s%nfailed at: %s%n", d.topic(),
                d.partition(), d.offset(), d.key(), d.failedAt());
        out.println("headers:");
        d.headers().forEach((k, v) -> out.println("  " + k + ": " + v));
        out.println("value:");
        JsonNode value = tree(d.value());
        out.println(value != null ? JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value) : text(d.value()));
    }

    /** What a replay did or would do, one line per dead letter and a summary. */
    static void report(PrintWriter out, ReplayReport r) {
        for (int i = 0; i < r.planned().size(); i++) {
            ReplayReport.Planned p = r.planned().get(i);
            DeadLetter d = p.deadLetter();
            String state = r.dryRun() ? "would send" : i < r.sent() ? "sent" : "held back";
            out.printf("%-10s %d/%d  %-24s %-17s %s -> %s%n", state, d.partition(), d.offset(),
                    cut(d.taskId(), 24), cut(d.reason(), 17), d.lane(), p.targetLane());
        }
        r.unroutable().forEach(d -> out.printf("%d/%d  %s: no lane known; use --to-lane%n", d.partition(),
                d.offset(), d.taskId()));
        if (r.canary() != null) {
            out.printf("canary: %d sent, %d completed, %d dead-lettered again%s%n", r.canary().size(),
                    r.canary().completed(), r.canary().failed().size(), r.canary().timedOut() ? ", timed out" : "");
        }
        String skipped = r.alreadyReplayed() == 0 ? "" : "; " + r.alreadyReplayed()
                + " skipped as replayed before (--force to replay again)";
        if (r.dryRun()) {
            out.println("dry run: would replay " + r.planned().size() + skipped);
        } else {
            out.println("replayed " + r.sent() + " of " + r.planned().size() + " as " + r.auditId() + " by "
                    + r.operator() + skipped);
        }
    }

    static String cut(String s, int max) {
        if (s == null) {
            return "-";
        }
        String one = s.replace('\n', ' ').replace('\r', ' ');
        return one.length() <= max ? one : one.substring(0, Math.max(0, max - 3)) + "...";
    }

    private static JsonNode tree(byte[] value) {
        if (value == null || value.length == 0) {
            return null;
        }
        try {
            return JSON.readTree(value);
        } catch (IOException e) {
            return null;
        }
    }

    /** UTF-8 text, or {@code base64:<...>} for bytes that are not UTF-8. */
    private static String text(byte[] value) {
        if (value == null) {
            return "(null)";
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(value)).toString();
        } catch (CharacterCodingException e) {
            return "base64:" + Base64.getEncoder().encodeToString(value);
        }
    }
}
