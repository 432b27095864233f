package dev.harvest.topology;

import dev.harvest.task.DeadLetterReason;
import java.time.Instant;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Builds dead-letter records: the original key and value bytes unchanged, plus readable UTF-8 headers
 * ({@code harvest.*} and Kafka Connect's {@code __connect.errors.*}) that say what went wrong and where the
 * record came from.
 */
public final class DeadLetters {

    /** Error messages longer than this are cut, so a header stays readable. */
    static final int MAX_MESSAGE = 1000;

    private DeadLetters() {
    }

    public static Record<byte[], byte[]> build(InFlightEntry entry, DeadLetterReason reason, String errorClass,
                                               String message, int attempts, String lane, Instant failedAt) {
        Headers headers = entry.copyHeaders();
        headers.remove(HarvestHeaders.DUE_AT);
        String errClass = errorClass == null ? reason.code() : errorClass;
        String errMessage = cut(message == null ? reason.code() : message);
        HarvestHeaders.set(headers, HarvestHeaders.DLQ_REASON, reason.code());
        HarvestHeaders.set(headers, HarvestHeaders.ERROR_CLASS, errClass);
        HarvestHeaders.set(headers, HarvestHeaders.ERROR_MESSAGE, errMessage);
        HarvestHeaders.set(headers, HarvestHeaders.ATTEMPTS, Integer.toString(attempts));
        HarvestHeaders.set(headers, HarvestHeaders.LANE, lane);
        HarvestHeaders.set(headers, HarvestHeaders.ORIGIN_TOPIC, entry.topic());
        HarvestHeaders.set(headers, HarvestHeaders.ORIGIN_PARTITION, Integer.toString(entry.partition()));
        HarvestHeaders.set(headers, HarvestHeaders.ORIGIN_OFFSET, Long.toString(entry.offset()));
        HarvestHeaders.set(headers, HarvestHeaders.FAILED_AT, IsoInstants.format(failedAt));
        HarvestHeaders.set(headers, HarvestHeaders.FIRST_SEEN, IsoInstants.format(entry.firstSeenMs()));
        HarvestHeaders.set(headers, HarvestHeaders.CONNECT_TOPIC, entry.topic());
        HarvestHeaders.set(headers, HarvestHeaders.CONNECT_PARTITION, Integer.toString(entry.partition()));
        HarvestHeaders.set(headers, HarvestHeaders.CONNECT_OFFSET, Long.toString(entry.offset()));
        HarvestHeaders.set(headers, HarvestHeaders.CONNECT_EXCEPTION_CLASS, errClass);
        HarvestHeaders.set(headers, HarvestHeaders.CONNECT_EXCEPTION_MESSAGE, errMessage);
        return new Record<>(entry.key(), entry.value(), failedAt.toEpochMilli(), headers);
    }

    static String cut(String message) {
        String oneLine = message.replace('\n', ' ').replace('\r', ' ');
        if (oneLine.length() <= MAX_MESSAGE) {
            return oneLine;
        }
        int end = MAX_MESSAGE - 3;
        if (Character.isHighSurrogate(oneLine.charAt(end - 1))) {
            end--;
        }
        return oneLine.substring(0, end) + "...";
    }
}
