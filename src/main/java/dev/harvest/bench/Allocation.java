package dev.harvest.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.HashMap;
import java.util.Map;

/**
 * Bytes allocated on the heap by the app's threads: every thread of this JVM except the benchmark's own (its main
 * thread, which writes the tasks and reads the results, and threads named {@code bench-…}). What the app allocates
 * per task sets how often its young collections stop it. A thread that ends between two readings takes its
 * share with it, so the figure is a lower bound; the app's pools keep their threads.
 */
final class Allocation {

    private final Map<Long, Long> byThread;

    private Allocation(Map<Long, Long> byThread) {
        this.byThread = byThread;
    }

    /** The app's threads' allocation counters now. */
    static Allocation now() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Map<Long, Long> out = new HashMap<>();
        for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds(), 0)) {
            if (t != null && isApp(t.getThreadName())) {
                long bytes = mx.getThreadAllocatedBytes(t.getThreadId());
                if (bytes >= 0) {
                    out.put(t.getThreadId(), bytes);
                }
            }
        }
        return new Allocation(out);
    }

    static boolean isApp(String threadName) {
        return !threadName.equals("main") && !threadName.startsWith("bench-");
    }

    /** Bytes allocated since {@code earlier} by the threads alive now (a thread started since counts from zero). */
    long since(Allocation earlier) {
        return since(byThread, earlier.byThread);
    }

    static long since(Map<Long, Long> now, Map<Long, Long> earlier) {
        long sum = 0;
        for (Map.Entry<Long, Long> e : now.entrySet()) {
            sum += Math.max(0, e.getValue() - earlier.getOrDefault(e.getKey(), 0L));
        }
        return sum;
    }
}
