package dev.harvest.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/** How the benchmark offers records at a steady rate, read back while they are offered. */
final class Offering {

    private Offering() {
    }

    /** Calls {@code send} with 0 .. n-1 at {@code perSec}, in 5 ms steps. */
    static void paced(int n, double perSec, IntConsumer send) {
        long start = System.nanoTime();
        int sent = 0;
        while (sent < n) {
            long due = Math.min(n, (long) ((System.nanoTime() - start) / 1e9 * perSec) + 1);
            for (; sent < due; sent++) {
                send.accept(sent);
            }
            LockSupport.parkNanos(5_000_000);
        }
    }

    /**
     * Runs {@code offer} on a thread of its own while this thread runs {@code read}, and waits for both: each
     * output is read as soon as a consumer can see it, so the time it was read is the time a user would have
     * it (under exactly-once, once the transaction that wrote it committed).
     */
    static void whileReading(Runnable offer, Runnable read) {
        CompletableFuture<Void> offered = CompletableFuture.runAsync(offer, r -> {
            Thread t = new Thread(r, "bench-offer");
            t.setDaemon(true);
            t.start();
        });
        read.run();
        offered.join();
    }
}
