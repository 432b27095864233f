package dev.harvest.devstack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Reads Redis's own counters ({@code INFO commandstats}, {@code INFO cpu}) over a plain socket, so the demo and
 * the benchmark measure Redis traffic and work from the server's side, independent of the client code under test.
 */
public final class RedisInfo {

    private RedisInfo() {
    }

    /**
     * {@code {calls, commands}}: calls are the round trips a client makes that count here (script runs, EVAL and
     * EVALSHA, and every command outside a script); commands also count what scripts run inside. INFO itself
     * is left out.
     */
    public static long[] counts(String host, int port) {
        return countsIn(commandStats(host, port));
    }

    /** {@link #counts} from the text of an {@code INFO commandstats} reply. */
    public static long[] countsIn(String info) {
        long total = 0;
        long scripts = 0;
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("cmdstat_") && !line.startsWith("cmdstat_info:")) {
                int start = line.indexOf("calls=") + 6;
                int end = line.indexOf(',', start);
                long calls = Long.parseLong(line.substring(start, end < 0 ? line.length() : end));
                total += calls;
                if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
                    scripts += calls;
                }
            }
        }
        return new long[] {scripts, total};
    }

    /** Total commands the server has executed, including those run inside scripts. */
    public static long totalCommands(String host, int port) {
        return counts(host, port)[1];
    }

    /**
     * CPU time the server has used so far (user plus system, all its threads), in nanoseconds, from the text of an
     * {@code INFO cpu} reply.
     */
    public static long cpuNanosIn(String info) {
        double seconds = 0;
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("used_cpu_user:") || line.startsWith("used_cpu_sys:")) {
                seconds += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return Math.round(seconds * 1e9);
    }

    /** The raw {@code INFO commandstats} text. */
    public static String commandStats(String host, int port) {
        return info(host, port, "commandstats");
    }

    /** The raw text of one {@code INFO} section. */
    public static String info(String host, int port, String section) {
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(("*2\r\n$4\r\nINFO\r\n$" + section.length() + "\r\n" + section + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String header = readLine(in);
            if (!header.startsWith("$")) {
                throw new IOException("unexpected reply to INFO: " + header);
            }
            byte[] body = in.readNBytes(Integer.parseInt(header.substring(1)));
            return new String(body, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read INFO from Redis at " + host + ":" + port, e);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }
}
