package dev.harvest.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * CPU time of a JVM's just-in-time compiler threads (HotSpot's {@code C1 CompilerThread…} and
 * {@code C2 CompilerThread…}), read from {@code /proc/<pid>/task}. The compilers are not Java threads, so no
 * management bean reports their CPU; on a machine without {@code /proc} the time is unknown ({@code -1}).
 */
final class Compilers {

    private static final Path PROC = Path.of("/proc");

    private Compilers() {
    }

    /** Nanoseconds the compiler threads of process {@code pid} have run; {@code -1} if unknown. */
    static long cpuNanos(long pid) {
        return cpuNanos(PROC.resolve(Long.toString(pid)).resolve("task"));
    }

    /** The same, for a {@code task} directory laid out as {@code /proc/<pid>/task}. */
    static long cpuNanos(Path tasks) {
        if (!Files.isDirectory(tasks)) {
            return -1;
        }
        long sum = 0;
        try (Stream<Path> threads = Files.list(tasks)) {
            for (Path thread : (Iterable<Path>) threads::iterator) {
                sum += compilerNanos(thread);
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return sum;
    }

    /** A compiler thread's CPU time (0 for any other thread, or one that ended meanwhile). */
    private static long compilerNanos(Path thread) {
        try {
            String name = Files.readString(thread.resolve("comm")).trim();
            if (!name.startsWith("C1 Compiler") && !name.startsWith("C2 Compiler")) {
                return 0;
            }
            Path schedstat = thread.resolve("schedstat");
            if (Files.exists(schedstat)) {
                // Time on a CPU in nanoseconds, then time waiting for one, then slices.
                return Long.parseLong(Files.readString(schedstat).trim().split("\\s+")[0]);
            }
            // utime and stime, the 14th and 15th fields, in clock ticks (USER_HZ, 100 on Linux).
            String stat = Files.readString(thread.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
        } catch (IOException | RuntimeException ended) {
            return 0;
        }
    }
}
