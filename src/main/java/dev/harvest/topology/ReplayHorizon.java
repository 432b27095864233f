package dev.harvest.topology;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a lane's records stop being possible replays. A record an earlier owner of its partition ran (and whose
 * result may not have committed before that owner was lost) was in the partition before this instance took it
 * over, so it lies below the partition's end offset at that moment, or at any later moment. A record at or past
 * that offset was written after the take-over: no earlier owner ran it, and its task need not be looked up in the
 * idempotency ledger before the call. Until the end offset is known (or when it cannot be had), every record is
 * treated as a possible replay.
 */
@FunctionalInterface
public interface ReplayHorizon {

    /** Every record may be a replay: the ledger is asked for each. */
    ReplayHorizon NONE = partition -> CompletableFuture.failedFuture(
            new UnsupportedOperationException("no end offsets: every record may be a replay"));

    /** The end offset of {@code partition} now, asked when this instance took it over. */
    CompletableFuture<Long> endOffset(TopicPartition partition);
}
