package dev.harvest.bench;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

/**
 * The end of a scenario's warm-up. After the tasks asked for ({@code --warmup}), the JIT compilers of the app's and
 * the broker's JVMs are still at work on two cores: in the first minute they take half a core, and the app and the
 * broker spend more CPU per task than once they are done. So the warm-up goes on, a round of work at a
 * time, until the compilers of both JVMs used less than {@link #SETTLED_CORES} of a core over a window of at least
 * {@link #WINDOW}, or until {@code max} has passed.
 */
final class Warmup {

    /** Compiler CPU, in cores, under which the JVMs count as warm. */
    static final double SETTLED_CORES = 0.1;

    /** The shortest stretch the compilers' CPU is judged over. */
    static final Duration WINDOW = Duration.ofSeconds(5);

    /**
     * @param rounds  rounds of work run after the fixed warm-up
     * @param cores   the compilers' CPU over the last window judged, in cores; -1 when unknown or none was judged
     * @param settled whether the compilers settled before {@code max}
     */
    record Result(int rounds, double cores, boolean settled) {
    }

    private Warmup() {
    }

    /**
     * Runs {@code round} (with its number, from 0) until the compilers settle or {@code max} has passed; none at
     * all when {@code max} is zero or the compilers' CPU is unknown ({@code compilerNanos} returns -1).
     */
    static Result untilSettled(LongSupplier compilerNanos, LongSupplier clockNanos, Duration max, IntConsumer round) {
        long start = clockNanos.getAsLong();
        long windowStart = start;
        long atWindowStart = compilerNanos.getAsLong();
        if (max.isZero() || max.isNegative() || atWindowStart < 0) {
            return new Result(0, -1, false);
        }
        int rounds = 0;
        double cores = -1;
        while (true) {
            round.accept(rounds++);
            long now = clockNanos.getAsLong();
            if (now - windowStart >= WINDOW.toNanos()) {
                long used = compilerNanos.getAsLong();
                if (used < 0) {
                    return new Result(rounds, -1, false);
                }
                cores = (double) (used - atWindowStart) / (now - windowStart);
                if (cores < SETTLED_CORES) {
                    return new Result(rounds, cores, true);
                }
                windowStart = now;
                atWindowStart = used;
            }
            if (now - start >= max.toNanos()) {
                return new Result(rounds, cores, false);
            }
        }
    }

    /** {@link #untilSettled} on the compilers of {@code stack}'s JVMs and the system clock, logged. */
    static Result untilSettled(BenchStack stack, Duration max, String what, Consumer<String> log, IntConsumer round) {
        Result r = untilSettled(stack::compilerCpuNanos, System::nanoTime, max, round);
        if (r.rounds() > 0) {
            log.accept(what + ": " + r.rounds() + " more warm-up rounds; the JIT compilers "
                    + (r.settled() ? "settled" : r.cores() < 0 ? "not judged yet" : "still busy")
                    + (r.cores() < 0 ? "" : String.format(" (%.2f of a core)", r.cores())));
        }
        return r;
    }
}
