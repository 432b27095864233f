package dev.harvest.app;

import dev.harvest.topology.ReplayHorizon;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * The lanes' {@link ReplayHorizon}: a partition's log end offset, asked of its leader when a lane's processor takes
 * the partition over. Uncommitted records count (read_uncommitted), so the offset is never below a record any
 * earlier owner could have read.
 */
final class EndOffsets implements ReplayHorizon {

    private final Admin admin;

    /** @param admin the instance's admin client; its owner closes it */
    EndOffsets(Admin admin) {
        this.admin = admin;
    }

    @Override
    public CompletableFuture<Long> endOffset(TopicPartition partition) {
        try {
            return admin.listOffsets(Map.of(partition, OffsetSpec.latest()),
                            new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED))
                    .partitionResult(partition).toCompletionStage().toCompletableFuture()
                    .thenApply(ListOffsetsResultInfo::offset);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
