package dev.harvest.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harvest.task.DeadLetterReason;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DeadLettersTest {

    private static final Instant FAILED_AT = Instant.parse("2025-03-01T12:00:00.123Z");
    private static final Instant FIRST_SEEN = Instant.parse("2025-03-01T11:00:00Z");
    /** Not UTF-8 on purpose: the DLQ must carry the original bytes, not a re-encoding. */
    private static final byte[] KEY = {(byte) 0xff, 0x00, 'k', (byte) 0xc3};
    private static final byte[] VALUE = {'{', (byte) 0xfe, (byte) 0x80, '}', 0x00};

    private static InFlightEntry entry(Headers headers) {
        return new InFlightEntry(KEY.clone(), VALUE.clone(), headers, "harvest.tasks.low", 5, 123_456L,
                FIRST_SEEN.toEpochMilli(), 3, FIRST_SEEN.toEpochMilli());
    }

    private static Record<byte[], byte[]> build(String errorClass, String message) {
        return DeadLetters.build(entry(new RecordHeaders()), DeadLetterReason.MAX_ATTEMPTS, errorClass, message, 4, "low",
                FAILED_AT);
    }

    @Test
    void shouldWriteEveryHeaderWithItsValueWhenBuildingADeadLetter() {
        Record<byte[], byte[]> r = build("java.net.ConnectException", "connection refused");

        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("harvest.dlq.reason", "max-attempts");
        expected.put("harvest.error.class", "java.net.ConnectException");
        expected.put("harvest.error.message", "connection refused");
        expected.put("harvest.attempts", "4");
        expected.put("harvest.lane", "low");
        expected.put("harvest.origin.topic", "harvest.tasks.low");
        expected.put("harvest.origin.partition", "5");
        expected.put("harvest.origin.offset", "123456");
        expected.put("harvest.failed-at", "2025-03-01T12:00:00.123Z");
        expected.put("harvest.first-seen", "2025-03-01T11:00:00Z");
        expected.put("__connect.errors.topic", "harvest.tasks.low");
        expected.put("__connect.errors.partition", "5");
        expected.put("__connect.errors.offset", "123456");
        expected.put("__connect.errors.exception.class.name", "java.net.ConnectException");
        expected.put("__connect.errors.exception.message", "connection refused");
        expected.forEach((name, value) -> {
            assertThat(r.headers().headers(name)).as(name).hasSize(1);
            assertThat(HarvestHeaders.get(r.headers(), name)).as(name).isEqualTo(value);
        });
        assertThat(r.timestamp()).isEqualTo(FAILED_AT.toEpochMilli());
    }

    @Test
    void shouldUseKafkaConnectHeaderNamesWhenNamingErrorHeaders() {
        assertThat(HarvestHeaders.CONNECT_TOPIC).isEqualTo("__connect.errors.topic");
        assertThat(HarvestHeaders.CONNECT_PARTITION).isEqualTo("__connect.errors.partition");
        assertThat(HarvestHeaders.CONNECT_OFFSET).isEqualTo("__connect.errors.offset");
        assertThat(HarvestHeaders.CONNECT_EXCEPTION_CLASS).isEqualTo("__connect.errors.exception.class.name");
        assertThat(HarvestHeaders.CONNECT_EXCEPTION_MESSAGE).isEqualTo("__connect.errors.exception.message");
    }

    @ParameterizedTest
    @EnumSource(DeadLetterReason.class)
    void shouldWriteReasonCodeWhenReasonIsGiven(DeadLetterReason reason) {
        Record<byte[], byte[]> r = DeadLetters.build(entry(new RecordHeaders()), reason, null, null, 1, "high", FAILED_AT);

        assertThat(HarvestHeaders.get(r.headers(), HarvestHeaders.DLQ_REASON)).isEqualTo(reason.code());
        assertThat(HarvestHeaders.get(r.headers(), HarvestHeaders.ERROR_CLASS)).isEqualTo(reason.code());
        assertThat(HarvestHeaders.get(r.headers(), HarvestHeaders.ERROR_MESSAGE)).isEqualTo(reason.code());
        assertThat(HarvestHeaders.get(r.headers(), HarvestHeaders.CONNECT_EXCEPTION_CLASS)).isEqualTo(reason.code());
    }

    @Test
    void shouldWriteOnlyStrictUtf8TextThatRoundTripsWhenMessageHasUnicode() {
        Record<byte[], byte[]> r = build("Ünïcødé.Error", "zürich → 東京 😀 \"quoted\" \t tab");

        for (Header h : r.headers()) {
            String text = strictUtf8(h.value());
            assertThat(text.getBytes(StandardCharsets.UTF_8)).as(h.key()).isEqualTo(h.value());
        }
        assertThat(HarvestHeaders.get(r.headers(), HarvestHeaders.ERROR_MESSAGE)).isEqualTo("zürich → 東京 😀 \"quoted\" \t tab");
        assertThat(HarvestHeaders.get(r.headers(), HarvestHeaders.ERROR_CLASS)).isEqualTo("Ünïcødé.Error");
    }

    @Test
    void shouldKeepOriginalKeyAndValueBytesWhenBuildingADeadLetter() {
        Record<byte[], byte[]> r = build("E", "m");

        assertThat(r.key()).containsExactly(KEY);
        assertThat(r.value()).containsExactly(VALUE);
    }

    @Test
    void shouldKeepOriginalHeadersButDropDueTimeWhenBuildingADeadLetter() {
        RecordHeaders original = new RecordHeaders();
        original.add("traceparent", "00-abc-def-01".getBytes(StandardCharsets.UTF_8));
        original.add(HarvestHeaders.DUE_AT, "2025-03-01T11:59:00Z".getBytes(StandardCharsets.UTF_8));
        original.add(HarvestHeaders.ERROR_CLASS, "older".getBytes(StandardCharsets.UTF_8));

        Record<byte[], byte[]> r = DeadLetters.build(entry(original), DeadLetterReason.EXPIRED, "Expired", "late", 2,
                "low", FAILED_AT);

        assertThat(HarvestHeaders.get(r.headers(), "traceparent")).isEqualTo("00-abc-def-01");
        assertThat(r.headers().lastHeader(HarvestHeaders.DUE_AT)).isNull();
        assertThat(r.headers().headers(HarvestHeaders.ERROR_CLASS)).hasSize(1);
        assertThat(HarvestHeaders.get(r.headers(), HarvestHeaders.ERROR_CLASS)).isEqualTo("Expired");
        assertThat(original.lastHeader(HarvestHeaders.DUE_AT)).as("entry headers untouched").isNotNull();
    }

    @Test
    void shouldCutMessageToThousandCharsWhenItIsLonger() {
        String longMessage = "x".repeat(5000);

        Record<byte[], byte[]> r = build("E", longMessage);

        String message = HarvestHeaders.get(r.headers(), HarvestHeaders.ERROR_MESSAGE);
        assertThat(message).hasSize(1000).endsWith("...").startsWith("x".repeat(997));
        assertThat(HarvestHeaders.get(r.headers(), HarvestHeaders.CONNECT_EXCEPTION_MESSAGE)).isEqualTo(message);
    }

    @Test
    void shouldKeepMessageWhenItIsExactlyThousandChars() {
        String exact = "y".repeat(1000);

        assertThat(HarvestHeaders.get(build("E", exact).headers(), HarvestHeaders.ERROR_MESSAGE)).isEqualTo(exact);
    }

    @Test
    void shouldPutMessageOnOneLineWhenItHasLineBreaks() {
        Record<byte[], byte[]> r = build("E", "first\nsecond\r\nthird");

        assertThat(HarvestHeaders.get(r.headers(), HarvestHeaders.ERROR_MESSAGE)).isEqualTo("first second  third");
    }
    @Test
    void shouldNotSplitACharacterWhenCuttingTheMessage() {
        String message = "a".repeat(996) + "😀" + "b".repeat(100);

        String header = HarvestHeaders.get(build("E", message).headers(), HarvestHeaders.ERROR_MESSAGE);

        assertThat(header).endsWith("...").doesNotContain("?");
        assertThat(message).startsWith(header.substring(0, header.length() - 3));
    }

    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new AssertionError("header is not valid UTF-8", e);
        }
    }
}
