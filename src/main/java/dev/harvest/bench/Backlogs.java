package dev.harvest.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Backlogs drained one after the other, as the throughput scenarios measure them: each is written while the app
 * is paused, so that the producer does not share the cores with what is measured, then timed from the app's
 * resume until it is drained; the processes' CPU time is summed over the same stretches.
 *
 * @param rates tasks (or records) per second of each backlog
 * @param cpu       CPU time used while they drained
 * @param allocated bytes the app's threads allocated meanwhile ({@link Allocation})
 * @param count     tasks (or records) in all of them
 */
record Backlogs(List<Double> rates, CpuTime cpu, long allocated, long count) {

    /**
     * @param write   writes backlog {@code i} with the app paused
     * @param resume  resumes the app
     * @param drained returns once backlog {@code i} is drained
     */
    static Backlogs drain(BenchStack stack, int repeats, int size, IntConsumer write, Runnable resume,
                          IntConsumer drained) {
        List<Double> rates = new ArrayList<>();
        CpuTime cpu = CpuTime.ZERO;
        long allocated = 0;
        for (int i = 0; i < repeats; i++) {
            write.accept(i);
            Allocation allocatedAtStart = Allocation.now();
            CpuTime atStart = CpuTime.of(stack);
            long start = System.nanoTime();
            resume.run();
            drained.accept(i);
            rates.add(size / ((System.nanoTime() - start) / 1e9));
            cpu = cpu.plus(CpuTime.of(stack).since(atStart));
            allocated += Allocation.now().since(allocatedAtStart);
        }
        return new Backlogs(rates, cpu, allocated, (long) size * repeats);
    }

    /** Each backlog's rate, to one decimal. */
    List<Double> ratesAsPrinted() {
        return rates.stream().map(x -> BenchRunner.round(x, 1)).toList();
    }

    /** The median rate (the lower middle one of an even count). */
    double perSec() {
        List<Double> sorted = new ArrayList<>(rates);
        sorted.sort(null);
        return sorted.get((sorted.size() - 1) / 2);
    }

    /**
     * {@code <prefix>PerSec} (the median rate, to one decimal) and {@code <prefix>Ratio}, that rate as printed over
     * {@code baselinePerSec}, so that the ratio can be checked from the output.
     */
    Map<String, Object> rateAgainst(String prefix, double baselinePerSec) {
        double rate = BenchRunner.round(perSec(), 1);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(prefix + "PerSec", rate);
        out.put(prefix + "Ratio", BenchRunner.round(rate / baselinePerSec, 3));
        return out;
    }

    /**
     * CPU time per task or record, under {@code <prefix>AppCpuUs} and the like (see {@link CpuTime#perUnit}), and
     * the KiB the app's threads allocated per task or record, under {@code <prefix>AppAllocKiB}.
     */
    Map<String, Object> costPerUnit(String prefix) {
        Map<String, Object> out = cpu.perUnit(prefix, count);
        out.put(prefix + "AppAllocKiB", BenchRunner.round(allocated / 1024.0 / count, 2));
        return out;
    }
}
