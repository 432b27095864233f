package dev.harvest.bench;

import dev.harvest.app.HarvestApp;
import dev.harvest.app.TaskProducer;
import dev.harvest.app.TopicAdmin;
import dev.harvest.config.PipelineConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Memory with many tasks in flight: a handler that takes minutes, {@code inFlightTasks} tasks admitted at once;
 * heap after a full GC (total, and the growth over the heap before the tasks arrived), peak heap and RSS of
 * this process (the app's; the broker's too with {@code --broker-in-process}).
 */
final class InFlightMemory {

    private final BenchStack stack;
    private final String name;
    private final BenchOptions o;
    private final Path work;
    private final Consumer<String> log;

    /** @param name the memory scenario's pipeline */
    InFlightMemory(BenchStack stack, String name, BenchOptions o, Path work, Consumer<String> log) {
        this.stack = stack;
        this.name = name;
        this.o = o;
        this.work = work;
        this.log = log;
    }

    Map<String, Object> measure() {
        int n = o.inFlightTasks();
        BenchOptions wide = o.withInFlight(n);
        PipelineConfig config = BenchPipelines.permitBound(name, stack, wide, 600_000, n);
        TopicAdmin.createAll(config);
        Map<String, Object> out = new LinkedHashMap<>();
        try (HarvestApp app = HarvestApp.start(config, BenchRunner.appOptions(work.resolve("mem"), o));
             TaskProducer producer = new TaskProducer(config)) {
            long baseline = heapAfterGc();
            resetPeaks();
            for (int i = 0; i < n; i++) {
                producer.sendJson("main", "{\"id\":\"mem-" + i + "\",\"type\":\"work\",\"payload\":{\"n\":" + i + "}}");
            }
            producer.flush();
            long deadline = System.nanoTime() + 300_000_000_000L;
            while (app.laneGate("main").running() < n && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                sleepQuietly();
            }
            int running = app.laneGate("main").running();
            long heap = heapAfterGc();
            out.put("inFlight", running);
            out.put("heapMiB", heap >> 20);
            out.put("heapGrowthMiB", Math.max(0, heap - baseline) >> 20);
            out.put("peakHeapMiB", peakHeap() >> 20);
            out.put("rssMiB", procStatus("VmRSS") >> 10);
            out.put("peakRssMiB", procStatus("VmHWM") >> 10);
            log.accept("memory at " + running + " in flight: " + out);
        }
        return out;
    }

    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void resetPeaks() {
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    private static long peakHeap() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }

    /** A {@code /proc/self/status} field in KiB, or -1 where there is none. */
    private static long procStatus(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
