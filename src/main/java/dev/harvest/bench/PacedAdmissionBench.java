package dev.harvest.bench;

import dev.harvest.app.Summaries;
import dev.harvest.config.KeyConfig;
import dev.harvest.config.KeyPoolConfig;
import dev.harvest.config.LaneConfig;
import dev.harvest.config.PermitConfig;
import dev.harvest.config.RedisSettings;
import dev.harvest.lease.AdmissionControl;
import dev.harvest.lease.AdmissionRequest;
import dev.harvest.lease.local.InJvmAdmissionControl;
import dev.harvest.lease.redis.AdmissionOptions;
import dev.harvest.lease.redis.AdmissionSetup;
import dev.harvest.lease.redis.RedisAdmissionControl;
import dev.harvest.redis.RedisClients;
import dev.harvest.task.Lane;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.stream.IntStream;

/**
 * Admission alone, offered tasks at a fixed rate the way a lane offers them: one thread submits the requests,
 * and every {@code intakeMs} it stops for a pause (as the lane's stream thread does while it commits), after which
 * the tasks due meanwhile arrive together. Each granted task holds its lease for {@code holdMicros}, then gives it
 * back as a finished call does. Run with admission held in the process and through Redis, it shows what the Redis
 * path adds to the wait for a permit, without Kafka. Not a test: run it and read the figures.
 *
 * <pre>
 * java -cp target/harvest.jar dev.harvest.bench.PacedAdmissionBench redis://127.0.0.1:6379 [seconds] [load]
 * </pre>
 * {@code load} (0 to 0.9, default 0) keeps each core busy that share of the time with a spinning thread, as the
 * broker and the app's own work do in the pipeline.
 */
public final class PacedAdmissionBench {

    /**
     * @param pauseMeanMs the mean pause; a pause lasts 0.6 of it plus an exponentially distributed rest
     */
    public record Scenario(boolean redis, double ratePerSec, int permits, long holdMicros, long intakeMs,
                           long pauseMeanMs, Duration warmUp, Duration duration) {

        /** The benchmark's paced scenario: 8,000 tasks/s, 200 permits held 20.7 ms, a 13 ms pause every 70 ms. */
        public static Scenario standard(boolean redis, Duration duration) {
            return new Scenario(redis, 8000, 200, 20_700, 70, 13, Duration.ofSeconds(5), duration);
        }
    }

    /** Waits from the request to its lease, over the measured tasks (the warm-up's are left out). */
    public record Result(Scenario scenario, long tasks, double grantedPerSec, double meanWaitMs, double p50WaitMs,
                         double p99WaitMs, double maxWaitMs, double callsPerTask, long notGranted) {
        @Override
        public String toString() {
            return String.format("%-6s %6.0f tasks/s offered, %6.0f granted | wait mean %5.2f p50 %5.2f p99 %6.2f max %6.1f ms"
                            + " | %.3f calls/task", scenario.redis() ? "redis" : "local", scenario.ratePerSec(),
                    grantedPerSec, meanWaitMs, p50WaitMs, p99WaitMs, maxWaitMs, callsPerTask);
        }
    }

    private static final Lane LANE = new Lane("main", 0);

    private PacedAdmissionBench() {
    }

    /** Runs {@code s}, through Redis at {@code settings} when the scenario says so (a throwaway pipeline name). */
    public static Result run(RedisSettings settings, Scenario s) {
        int keys = Math.max(1, (s.permits() + 99) / 100);
        KeyPoolConfig pool = new KeyPoolConfig("pool", (s.permits() + keys - 1) / keys, Duration.ofSeconds(1),
                IntStream.range(0, keys).mapToObj(i -> new KeyConfig("k" + i, "x", null, null)).toList(), false);
        PermitConfig permits = new PermitConfig("permits", s.permits(), Duration.ofSeconds(30), Map.of());
        ScheduledExecutorService holder = Executors.newScheduledThreadPool(2);
        RedisClients clients = null;
        AdmissionControl control = null;
        try {
            if (s.redis()) {
                clients = RedisClients.connect(settings);
                AdmissionSetup setup = new AdmissionSetup("bench-" + Long.toHexString(System.nanoTime()),
                        List.of(LANE.name()), List.of(pool), List.of(permits));
                control = new RedisAdmissionControl(clients, setup, AdmissionOptions.defaults(), System::nanoTime,
                        new SimpleMeterRegistry()).start();
            } else {
                control = new InJvmAdmissionControl(List.of(pool), List.of(permits),
                        List.of(new LaneConfig(LANE.name(), "tasks", 1, null, null)), holder, Clock.systemUTC());
            }
            offer(control, s, s.warmUp(), holder);
            LongSupplier calls = control instanceof RedisAdmissionControl r ? r::redisCalls : () -> 0;
            long callsBefore = calls.getAsLong();
            Offered measured = offer(control, s, s.duration(), holder);
            List<Long> waits = measured.waits();
            long n = waits.size();
            return new Result(s, n, n / (s.duration().toNanos() / 1e9),
                    waits.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6,
                    Summaries.pct(waits, 50) / 1e6, Summaries.pct(waits, 99) / 1e6, Summaries.pct(waits, 100) / 1e6,
                    n == 0 ? 0 : (double) (calls.getAsLong() - callsBefore) / n, measured.notGranted());
        } finally {
            if (control != null) {
                control.close();
            }
            if (clients != null) {
                clients.close();
            }
            holder.shutdownNow();
        }
    }

    private record Offered(List<Long> waits, long notGranted) {
    }

    /**
     * Offers tasks for {@code length}, then waits until every one of them was granted and given back (at most the
     * hold time plus 10 s); the waits come sorted.
     */
    private static Offered offer(AdmissionControl control, Scenario s, Duration length, ScheduledExecutorService holder) {
        List<CompletableFuture<Long>> waits = new ArrayList<>((int) (s.ratePerSec() * length.toSeconds() * 1.1) + 16);
        AtomicLong released = new AtomicLong();
        SplittableRandom random = new SplittableRandom(7);
        long start = System.nanoTime();
        long end = start + length.toNanos();
        long pauseAt = start + TimeUnit.MILLISECONDS.toNanos(s.intakeMs());
        long submitted = 0;
        for (long now = start; now < end; now = System.nanoTime()) {
            if (s.pauseMeanMs() > 0 && now >= pauseAt) {
                double pauseMs = s.pauseMeanMs() * (0.6 - 0.4 * Math.log(1 - random.nextDouble()));
                long resume = now + (long) (pauseMs * 1e6);
                LockSupport.parkNanos(resume - now);
                pauseAt = resume + TimeUnit.MILLISECONDS.toNanos(s.intakeMs());
                continue;
            }
            long due = (long) ((now - start) / 1e9 * s.ratePerSec());
            for (; submitted < due; submitted++) {
                long asked = System.nanoTime();
                CompletableFuture<Long> wait = new CompletableFuture<>();
                waits.add(wait);
                control.acquire(new AdmissionRequest("t" + submitted, LANE, "pool", "permits"), Duration.ofSeconds(60))
                        .whenComplete((lease, failure) -> {
                            if (failure != null) {
                                wait.completeExceptionally(failure);
                                return;
                            }
                            wait.complete(System.nanoTime() - asked);
                            holder.schedule(() -> {
                                control.release(lease);
                                released.incrementAndGet();
                            }, s.holdMicros(), TimeUnit.MICROSECONDS);
                        });
            }
            LockSupport.parkNanos(200_000);
        }
        long deadline = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(s.holdMicros()) + TimeUnit.SECONDS.toNanos(10);
        while (released.get() < waits.size() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }
        List<Long> granted = waits.stream().filter(w -> w.isDone() && !w.isCompletedExceptionally())
                .map(CompletableFuture::join).sorted().toList();
        return new Offered(granted, waits.size() - granted.size());
    }

    /** Spinning threads, one per core, each busy {@code share} of every 5 ms; stop them by interrupting. */
    static List<Thread> load(double share) {
        List<Thread> threads = new ArrayList<>();
        if (share <= 0) {
            return threads;
        }
        long period = TimeUnit.MILLISECONDS.toNanos(5);
        long busy = (long) (period * share);
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            Thread t = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    long from = System.nanoTime();
                    while (System.nanoTime() - from < busy) {
                        Thread.onSpinWait();
                    }
                    LockSupport.parkNanos(period - busy);
                }
            }, "bench-load-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        return threads;
    }

    /** {@code PacedAdmissionBench <redis-uri> [seconds] [load]}: the standard scenario, local then Redis, twice. */
    public static void main(String[] args) {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: PacedAdmissionBench <redis-uri> [seconds] [load 0..0.9]");
            System.exit(2);
        }
        RedisSettings settings = new RedisSettings(args[0], Duration.ofSeconds(2));
        Duration each;
        double share;
        try {
            each = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 15);
            share = args.length > 2 ? Double.parseDouble(args[2]) : 0;
        } catch (NumberFormatException e) {
            each = Duration.ZERO;
            share = -1;
        }
        if (each.toSeconds() < 1 || share < 0 || share > 0.9) {
            System.err.println("seconds must be a whole number >= 1 and load a number from 0 to 0.9, was "
                    + String.join(" ", Arrays.asList(args).subList(1, args.length)));
            System.exit(2);
        }
        List<Thread> load = load(share);
        try {
            for (int round = 0; round < 2; round++) {
                System.out.println(run(settings, Scenario.standard(false, each)));
                System.out.println(run(settings, Scenario.standard(true, each)));
            }
        } finally {
            load.forEach(Thread::interrupt);
        }
        System.out.println("args: " + Arrays.toString(args));
    }
}
