package dev.harvest.execution;

import dev.harvest.lease.AdmissionRequest;
import dev.harvest.lease.IdempotencyLedger;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Asks the idempotency ledger about a task shortly before its turn, so that the answer is there when its lease
 * arrives and the permit is not held for that round trip.
 *
 * <p>Attempts that wait for the same lane, pool and semaphore are served in order (see
 * {@link dev.harvest.lease.AdmissionControl#acquire}); the first of each such line are looked up ahead, as many as
 * the line serves in half of {@code freshness} at its recent pace (between {@code minDepth} and {@code maxDepth}).
 * An answer is used only when it was asked for at most {@code freshness} before the lease arrived: another
 * instance may record the task meanwhile (one that ran it before a rebalance), and an older answer would send it
 * to the provider again. A task without a fresh answer is looked up once its lease is held.
 */
final class LedgerLookahead {

    /** Default bounds of the lookahead per line; at 10,000 tasks/s it is 250 tasks, 25 ms ahead of the lease. */
    static final int MIN_DEPTH = 4;
    static final int MAX_DEPTH = 512;
    /** Default age limit of an answer asked for ahead. */
    static final Duration FRESHNESS = Duration.ofMillis(50);

    /** One waiting attempt's place in its line. */
    static final class Ticket {
        private final String taskId;
        private final Line line;
        private boolean asking;
        private volatile long askedAt;
        private volatile CompletableFuture<Optional<String>> answer;

        private Ticket(String taskId, Line line) {
            this.taskId = taskId;
            this.line = line;
        }
    }

    private record LineKey(String lane, String pool, String permits) {
    }

    /** A line's waiting tickets: those asked for (the front of the line), then the rest, each in order. */
    private static final class Line {
        private final ArrayDeque<Ticket> asked = new ArrayDeque<>();
        private final ArrayDeque<Ticket> queued = new ArrayDeque<>();
        /** Tickets that left since {@code windowStart}; {@code depth}: the lookahead the last window gave. */
        private long windowStart;
        private int left;
        private int depth;

        private Line(long windowStart, int depth) {
            this.windowStart = windowStart;
            this.depth = depth;
        }
    }

    private final IdempotencyLedger ledger;
    private final int minDepth;
    private final int maxDepth;
    private final long freshnessNanos;
    private final LongSupplier ticker;
    private final Map<LineKey, Line> lines = new ConcurrentHashMap<>();

    LedgerLookahead(IdempotencyLedger ledger, int minDepth, int maxDepth, Duration freshness, LongSupplier ticker) {
        if (minDepth < 0 || maxDepth < minDepth) {
            throw new IllegalArgumentException("need 0 <= minDepth <= maxDepth, was " + minDepth + ", " + maxDepth);
        }
        this.ledger = ledger;
        this.minDepth = minDepth;
        this.maxDepth = maxDepth;
        this.freshnessNanos = freshness.toNanos();
        this.ticker = ticker;
    }

    /** Puts a task that is about to wait for {@code request} in its line; null when it will not wait. */
    Ticket enter(AdmissionRequest request) {
        if (request.isFree() || maxDepth == 0) {
            return null;
        }
        Line line = lines.computeIfAbsent(new LineKey(request.lane().name(), request.keyPool(), request.permits()),
                k -> new Line(ticker.getAsLong(), minDepth));
        Ticket ticket = new Ticket(request.taskId(), line);
        List<Ticket> ask;
        synchronized (line) {
            line.queued.addLast(ticket);
            ask = dueLocked(line);
        }
        ask(ask);
        return ticket;
    }

    /**
     * Takes the ticket out of its line (its wait ended, whichever way) and returns the answer asked for ahead when
     * it is fresh enough to call the provider on, or null: then the caller looks the task up itself.
     */
    CompletableFuture<Optional<String>> leave(Ticket ticket) {
        if (ticket == null) {
            return null;
        }
        Line line = ticket.line;
        List<Ticket> ask;
        synchronized (line) {
            (ticket.asking ? line.asked : line.queued).remove(ticket);
            paceLocked(line);
            ask = dueLocked(line);
        }
        ask(ask);
        CompletableFuture<Optional<String>> answer = ticket.answer;
        if (answer == null || ticker.getAsLong() - ticket.askedAt > freshnessNanos) {
            return null;
        }
        return answer;
    }

    /**
     * Counts a ticket leaving; once per window (twice the freshness) the depth becomes what the line served in
     * half of the freshness, on average over that window.
     */
    private void paceLocked(Line line) {
        long now = ticker.getAsLong();
        line.left++;
        long elapsed = now - line.windowStart;
        if (elapsed >= 2 * freshnessNanos) {
            long paced = (long) ((double) line.left * (freshnessNanos / 2) / elapsed);
            line.depth = (int) Math.max(minDepth, Math.min(maxDepth, paced));
            line.windowStart = now;
            line.left = 0;
        }
    }

    /** The tickets that move up into the front of the line (its lookahead depth), marked as asking. */
    private List<Ticket> dueLocked(Line line) {
        List<Ticket> due = null;
        while (line.asked.size() < line.depth && !line.queued.isEmpty()) {
            Ticket t = line.queued.pollFirst();
            t.asking = true;
            line.asked.addLast(t);
            if (due == null) {
                due = new ArrayList<>(2);
            }
            due.add(t);
        }
        return due;
    }

    private void ask(List<Ticket> due) {
        if (due == null) {
            return;
        }
        for (Ticket t : due) {
            t.askedAt = ticker.getAsLong();
            CompletableFuture<Optional<String>> answer = lookUp(t.taskId);
            // A ledger that would not take the question is asked again once the lease is held.
            t.answer = answer.isCompletedExceptionally() ? null : answer;
        }
    }

    /** Asks the ledger now (also for a task without a fresh answer, its lease held); never throws. */
    CompletableFuture<Optional<String>> lookUp(String taskId) {
        try {
            return ledger.recorded(taskId).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
