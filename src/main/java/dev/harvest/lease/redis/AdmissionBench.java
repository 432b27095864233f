package dev.harvest.lease.redis;

import dev.harvest.config.KeyConfig;
import dev.harvest.config.KeyPoolConfig;
import dev.harvest.config.PermitConfig;
import dev.harvest.config.RedisSettings;
import dev.harvest.lease.AdmissionRequest;
import dev.harvest.lease.Lease;
import dev.harvest.lease.redis.AdmissionOptions.WakeUp;
import dev.harvest.redis.RedisClients;
import dev.harvest.task.Lane;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Measures admission against a real Redis: acquire + release throughput, script calls (round trips) per task and
 * the wait for a lease, with N asynchronous claimers spread over several instances (each with its own
 * connection), the way the dispatcher uses admission. Not a test: run it and read the figures.
 *
 * <pre>
 * java -cp target/classes:$(cat cp.txt) dev.harvest.lease.redis.AdmissionBench redis://127.0.0.1:6379
 * </pre>
 */
public final class AdmissionBench {

    /**
     * @param holdMicros how long a claimer holds a lease (its "remote call"); 0 releases at once
     */
    public record Scenario(String name, int instances, int claimers, int keys, int capPerKey, int permits, long holdMicros,
                           WakeUp wakeUp, Duration duration) {
    }

    public record Result(Scenario scenario, long tasks, double seconds, double tasksPerSecond, double callsPerTask,
                         double meanWaitMillis, double maxWaitMillis) {
        @Override
        public String toString() {
            Scenario s = scenario;
            return String.format("%-26s inst=%d claimers=%3d capacity=%3d hold=%5dus %-7s | %8.0f tasks/s  %5.2f calls/task"
                            + "  wait mean %6.2f ms max %7.1f ms", s.name(), s.instances(), s.claimers(),
                    Math.min(s.keys() * s.capPerKey(), s.permits()), s.holdMicros(), s.wakeUp(), tasksPerSecond, callsPerTask,
                    meanWaitMillis, maxWaitMillis);
        }
    }

    private AdmissionBench() {
    }

    /** Runs one scenario against {@code settings} (a throwaway pipeline name, so runs do not interfere). */
    public static Result run(RedisSettings settings, Scenario s) {
        String pipeline = "bench-" + Long.toHexString(System.nanoTime());
        List<KeyConfig> keys = IntStream.range(0, s.keys()).mapToObj(i -> new KeyConfig("k" + i, "x", null, null)).toList();
        AdmissionSetup setup = new AdmissionSetup(pipeline, List.of("high", "low"),
                List.of(new KeyPoolConfig("api", s.capPerKey(), Duration.ofSeconds(1), keys, false)),
                List.of(new PermitConfig("calls", s.permits(), Duration.ofSeconds(10), Map.of())));
        List<RedisClients> clients = new ArrayList<>();
        List<RedisAdmissionControl> controls = new ArrayList<>();
        ScheduledExecutorService holder = Executors.newSingleThreadScheduledExecutor();
        try {
            for (int i = 0; i < s.instances(); i++) {
                RedisClients c = RedisClients.connect(settings);
                clients.add(c);
                controls.add(new RedisAdmissionControl(c, setup, AdmissionOptions.defaults().withWakeUp(s.wakeUp()),
                        System::nanoTime, new SimpleMeterRegistry()).start());
            }
            return measure(s, controls, holder);
        } finally {
            controls.forEach(RedisAdmissionControl::close);
            clients.forEach(RedisClients::close);
            holder.shutdownNow();
        }
    }

    private static Result measure(Scenario s, List<RedisAdmissionControl> controls, ScheduledExecutorService holder) {
        AtomicLong tasks = new AtomicLong();
        AtomicLong waitNanos = new AtomicLong();
        AtomicLong maxWait = new AtomicLong();
        long callsBefore = controls.stream().mapToLong(RedisAdmissionControl::redisCalls).sum();
        long start = System.nanoTime();
        long end = start + s.duration().toNanos();
        List<CompletableFuture<Void>> loops = new ArrayList<>();
        for (int i = 0; i < s.claimers(); i++) {
            CompletableFuture<Void> loop = new CompletableFuture<>();
            Claimer claimer = new Claimer(controls.get(i % controls.size()), new Lane("high", 0),
                    s.holdMicros(), end, holder, tasks, waitNanos, maxWait, loop);
            claimer.next();
            loops.add(loop);
        }
        CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).join();
        double seconds = (System.nanoTime() - start) / 1e9;
        long calls = controls.stream().mapToLong(RedisAdmissionControl::redisCalls).sum() - callsBefore;
        long n = tasks.get();
        return new Result(s, n, seconds, n / seconds, n == 0 ? 0 : (double) calls / n,
                n == 0 ? 0 : waitNanos.get() / 1e6 / n, maxWait.get() / 1e6);
    }

    /** One asynchronous claimer: acquire, hold, release, again, until the end time. */
    private record Claimer(RedisAdmissionControl control, Lane lane, long holdMicros, long end, ScheduledExecutorService holder,
                           AtomicLong tasks, AtomicLong waitNanos, AtomicLong maxWait, CompletableFuture<Void> done) {
        void next() {
            if (System.nanoTime() - end >= 0) {
                done.complete(null);
                return;
            }
            long asked = System.nanoTime();
            control.acquire(new AdmissionRequest("t", lane, "api", "calls"), Duration.ofSeconds(30)).whenComplete((lease, e) -> {
                if (e != null) {
                    done.completeExceptionally(e);
                    return;
                }
                long waited = System.nanoTime() - asked;
                waitNanos.addAndGet(waited);
                maxWait.accumulateAndGet(waited, Math::max);
                if (holdMicros == 0) {
                    finish(lease);
                } else {
                    holder.schedule(() -> finish(lease), holdMicros, TimeUnit.MICROSECONDS);
                }
            });
        }

        private void finish(Lease lease) {
            control.release(lease);
            tasks.incrementAndGet();
            next();
        }
    }

    /** The standard set: uncontended, contended, pub/sub against polling. */
    public static List<Scenario> standardScenarios(Duration each) {
        return List.of(
                new Scenario("single claimer", 1, 1, 8, 8, 64, 0, WakeUp.PUBSUB, each),
                new Scenario("uncontended", 1, 32, 8, 8, 64, 0, WakeUp.PUBSUB, each),
                new Scenario("uncontended, 2 instances", 2, 64, 8, 8, 64, 0, WakeUp.PUBSUB, each),
                new Scenario("contended, 2ms calls", 2, 64, 4, 4, 16, 2000, WakeUp.PUBSUB, each),
                new Scenario("contended, 2ms calls", 2, 64, 4, 4, 16, 2000, WakeUp.POLLING, each),
                new Scenario("contended, 20ms calls", 2, 64, 4, 4, 16, 20_000, WakeUp.PUBSUB, each),
                new Scenario("contended, 20ms calls", 2, 64, 4, 4, 16, 20_000, WakeUp.POLLING, each));
    }

    /** {@code AdmissionBench <redis-uri> [seconds-per-scenario]}. */
    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: AdmissionBench <redis-uri> [seconds-per-scenario]");
            System.exit(2);
        }
        RedisSettings settings = new RedisSettings(args[0], Duration.ofSeconds(2));
        Duration each = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 5);
        run(settings, new Scenario("warm-up", 1, 16, 8, 8, 64, 0, WakeUp.PUBSUB, Duration.ofSeconds(2)));
        for (Scenario s : standardScenarios(each)) {
            System.out.println(run(settings, s));
        }
        System.out.println("args: " + Arrays.toString(args));
    }
}
