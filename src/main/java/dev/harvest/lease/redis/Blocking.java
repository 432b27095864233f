package dev.harvest.lease.redis;

import dev.harvest.lease.AdmissionUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/** Waits for a Redis call where an API must be synchronous (start-up, keys list/add/remove, gauges), bounded. */
final class Blocking {

    private Blocking() {
    }

    /** Daemon threads named {@code name-1}, {@code name-2}, …: admission never keeps a JVM alive. */
    static ThreadFactory daemonThreads(String name) {
        AtomicLong n = new AtomicLong();
        return runnable -> {
            Thread t = new Thread(runnable, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Runs {@code task} on {@code executor}, or on this thread once the executor is shut down (closing). */
    static void runOn(Executor executor, Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    static <T> T await(CompletionStage<T> stage, Duration timeout, String what) {
        try {
            return stage.toCompletableFuture().get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdmissionUnavailableException("interrupted during " + what, e);
        } catch (TimeoutException e) {
            throw new AdmissionUnavailableException("redis did not answer " + what + " in time", e);
        } catch (ExecutionException e) {
            throw AdmissionScripts.translate(e.getCause());
        }
    }

    /** Waits up to {@code timeout} for all of {@code stages} to end, however they end; gives up quietly. */
    static void awaitAll(List<CompletableFuture<Void>> stages, Duration timeout) {
        try {
            CompletableFuture.allOf(stages.toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // Failed or late stages are the caller's to account for; closing goes on.
        }
    }
}
