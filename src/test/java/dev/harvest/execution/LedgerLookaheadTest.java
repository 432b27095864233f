package dev.harvest.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.lease.AdmissionRequest;
import dev.harvest.lease.IdempotencyLedger;
import dev.harvest.task.Lane;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LedgerLookaheadTest {

    private static final Lane HIGH = new Lane("high", 0);
    private static final Lane LOW = new Lane("low", 1);

    private final List<String> asked = new CopyOnWriteArrayList<>();
    private final Map<String, CompletableFuture<Optional<String>>> answers = new ConcurrentHashMap<>();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final IdempotencyLedger ledger = new IdempotencyLedger() {
        @Override
        public CompletableFuture<Optional<String>> recorded(String taskId) {
            asked.add(taskId);
            return answers.computeIfAbsent(taskId, id -> new CompletableFuture<>());
        }

        @Override
        public CompletableFuture<Void> record(String taskId, String resultJson) {
            return CompletableFuture.completedFuture(null);
        }
    };
    private final LedgerLookahead lookahead = new LedgerLookahead(ledger, 2, 2, Duration.ofMillis(50), now::get);

    @Test
    void shouldAskForTheFirstTasksOfALineAsTheyQueueAndForTheNextOneAsEachLeaves() {
        LedgerLookahead.Ticket t1 = lookahead.enter(request("t1", HIGH));
        LedgerLookahead.Ticket t2 = lookahead.enter(request("t2", HIGH));
        LedgerLookahead.Ticket t3 = lookahead.enter(request("t3", HIGH));

        assertThat(asked).as("only the first two of the line are looked up ahead").containsExactly("t1", "t2");

        assertThat(lookahead.leave(t1)).as("t1's answer, asked for just now").isSameAs(answers.get("t1"));
        assertThat(asked).as("t3 moved up to second place").containsExactly("t1", "t2", "t3");
        assertThat(lookahead.leave(t2)).isSameAs(answers.get("t2"));
        assertThat(lookahead.leave(t3)).isSameAs(answers.get("t3"));
        assertThat(asked).as("each task asked for once").hasSize(3);
    }

    @Test
    void shouldLookAsFarAheadAsTheLineServesInHalfTheFreshness() {
        LedgerLookahead paced = new LedgerLookahead(ledger, 1, 100, Duration.ofMillis(50), now::get);
        List<LedgerLookahead.Ticket> tickets = new java.util.ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            tickets.add(paced.enter(request("t" + i, HIGH)));
        }
        assertThat(asked).as("pace not known yet: the minimum").containsExactly("t1");

        paced.leave(tickets.get(0));
        now.addAndGet(Duration.ofMillis(100).toNanos());
        paced.leave(tickets.get(1));
        assertThat(asked).as("first window (2 x freshness): 2 served in 100 ms, 25 ms ahead is half a task")
                .containsExactly("t1", "t2", "t3");
        for (int i = 2; i < 12; i++) {
            now.addAndGet(Duration.ofMillis(10).toNanos());
            paced.leave(tickets.get(i));
        }

        assertThat(asked).as("10 served in the next 100 ms: 25 ms ahead is 2.5 tasks, asked for up to t%d", 12 + 2)
                .hasSize(12 + 2);
    }

    @Test
    void shouldAdvanceTheLineWhenATaskLeavesFromTheMiddle() {
        lookahead.enter(request("t1", HIGH));
        LedgerLookahead.Ticket t2 = lookahead.enter(request("t2", HIGH));
        lookahead.enter(request("t3", HIGH));

        lookahead.leave(t2); // e.g. its wait timed out

        assertThat(asked).containsExactly("t1", "t2", "t3");
    }

    @Test
    void shouldNotUseAnAnswerAskedForLongerAgoThanTheFreshnessAllows() {
        LedgerLookahead.Ticket t1 = lookahead.enter(request("t1", HIGH));
        LedgerLookahead.Ticket t2 = lookahead.enter(request("t2", HIGH));

        now.addAndGet(Duration.ofMillis(50).toNanos());
        assertThat(lookahead.leave(t1)).as("exactly at the limit").isSameAs(answers.get("t1"));
        now.addAndGet(1);
        assertThat(lookahead.leave(t2)).as("older than the limit: the caller asks again").isNull();
    }

    @Test
    void shouldKeepLinesOfDifferentLanesPoolsAndSemaphoresApart() {
        lookahead.enter(request("h1", HIGH));
        lookahead.enter(request("h2", HIGH));
        lookahead.enter(request("h3", HIGH));
        lookahead.enter(request("l1", LOW));
        lookahead.enter(new AdmissionRequest("o1", HIGH, "other-pool", "calls"));
        lookahead.enter(new AdmissionRequest("s1", HIGH, "pool", "other-permits"));

        assertThat(asked).containsExactly("h1", "h2", "l1", "o1", "s1");
    }

    @Test
    void shouldLeaveTasksThatWaitForNothingAndADepthOfZeroToTheCaller() {
        assertThat(lookahead.enter(new AdmissionRequest("free", HIGH, null, null))).isNull();
        assertThat(lookahead.leave(null)).isNull();

        LedgerLookahead off = new LedgerLookahead(ledger, 0, 0, Duration.ofMillis(50), now::get);
        assertThat(off.enter(request("t1", HIGH))).isNull();
        assertThat(asked).isEmpty();
    }

    @Test
    void shouldLeaveTheLookupToTheCallerWhenTheLedgerFailsToTakeIt() {
        LedgerLookahead failing = new LedgerLookahead(new IdempotencyLedger() {
            @Override
            public CompletableFuture<Optional<String>> recorded(String taskId) {
                throw new IllegalStateException("ledger closed");
            }

            @Override
            public CompletableFuture<Void> record(String taskId, String resultJson) {
                return CompletableFuture.completedFuture(null);
            }
        }, 2, 2, Duration.ofMillis(50), now::get);

        assertThat(failing.leave(failing.enter(request("t1", HIGH)))).isNull();
    }

    private static AdmissionRequest request(String taskId, Lane lane) {
        return new AdmissionRequest(taskId, lane, "pool", "calls");
    }
}
