package dev.harvest.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.harvest.task.Task;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TaskCodecTest {

    private static TaskCodec.Parsed parse(String json, String key) {
        return TaskCodec.parse(json == null ? null : json.getBytes(StandardCharsets.UTF_8), key);
    }

    @Test
    void shouldParseEveryFieldWhenTaskIsComplete() {
        TaskCodec.Parsed p = parse("""
                {"id":"t-1","type":"fetch","payload":{"url":"https://x","n":[1,2]},
                 "idempotencyKey":"idem-1","deadline":"2030-01-01T00:00:00Z"}""", "record-key");

        assertThat(p.ok()).isTrue();
        assertThat(p.problem()).isNull();
        assertThat(p.task()).isEqualTo(new Task("t-1", "fetch", "{\"url\":\"https://x\",\"n\":[1,2]}", "idem-1",
                Instant.parse("2030-01-01T00:00:00Z")));
    }

    @Test
    void shouldKeepCostThroughEncodeAndParseWhenTaskDeclaresOne() {
        Task task = new Task("t-2", "chat", null, null, null, 1234.5);

        TaskCodec.Parsed p = TaskCodec.parse(TaskCodec.encode(task), null);

        assertThat(p.task()).isEqualTo(task);
        assertThat(p.task().effectiveCost()).isEqualTo(1234.5);
        assertThat(parse("{\"id\":\"t\",\"type\":\"f\"}", null).task().effectiveCost()).isEqualTo(1.0);
    }

    @Test
    void shouldLeaveOptionalFieldsNullWhenTheyAreAbsent() {
        TaskCodec.Parsed p = parse("{\"id\":\"t\",\"type\":\"fetch\"}", null);

        assertThat(p.task()).isEqualTo(new Task("t", "fetch", null, null, null));
    }

    @Test
    void shouldTreatNullPayloadAndDeadlineAsAbsent() {
        TaskCodec.Parsed p = parse("{\"id\":\"t\",\"type\":\"f\",\"payload\":null,\"deadline\":null,\"idempotencyKey\":null}",
                null);

        assertThat(p.task()).isEqualTo(new Task("t", "f", null, null, null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"type\":\"fetch\"}", "{\"id\":\"\",\"type\":\"fetch\"}", "{\"id\":\"  \",\"type\":\"fetch\"}"})
    void shouldUseRecordKeyAsIdWhenIdIsMissing(String json) {
        TaskCodec.Parsed p = parse(json, "key-7");

        assertThat(p.ok()).isTrue();
        assertThat(p.task().id()).isEqualTo("key-7");
    }

    @Test
    void shouldRejectWhenIdIsMissingAndRecordHasNoKey() {
        assertThat(parse("{\"type\":\"fetch\"}", null).problem()).contains("'id'");
        assertThat(parse("{\"type\":\"fetch\"}", " ").problem()).contains("'id'");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "{\"id\":\"t\"}                                   | 'type'",
        "{\"id\":\"t\",\"type\":\"\"}                     | 'type'",
        "{\"id\":\"t\",\"type\":7}                        | 'type'",
        "{\"id\":\"t\",\"type\":[\"a\"]}                  | 'type'",
        "{\"id\":7,\"type\":\"f\"}                        | 'id' must be a string",
        "{\"id\":{\"a\":1},\"type\":\"f\"}                | 'id' must be a string",
        "{\"id\":\"t\",\"type\":\"f\",\"idempotencyKey\":5} | 'idempotencyKey' must be a string",
        "{\"id\":\"t\",\"type\":\"f\",\"deadline\":\"tomorrow\"}   | 'deadline' must be an ISO-8601 instant",
        "{\"id\":\"t\",\"type\":\"f\",\"deadline\":\"2030-01-01\"} | 'deadline' must be an ISO-8601 instant",
        "{\"id\":\"t\",\"type\":\"f\",\"deadline\":1893456000000}  | 'deadline' must be an ISO-8601 instant",
        "{\"id\":\"t\",\"type\":\"f\",\"cost\":0}         | 'cost' must be a number > 0",
        "{\"id\":\"t\",\"type\":\"f\",\"cost\":-3}        | 'cost' must be a number > 0",
        "{\"id\":\"t\",\"type\":\"f\",\"cost\":\"12\"}    | 'cost' must be a number > 0",
        "{\"id\":\"t\",\"type\":\"f\",\"cost\":1e12}      | 'cost' must be a number > 0",
        "[1,2,3]                                            | must be a JSON object",
        "\"just a string\"                                  | must be a JSON object",
        "42                                                 | must be a JSON object",
        "null                                               | must be a JSON object",
    })
    void shouldExplainProblemWhenFieldHasWrongTypeOrIsMissing(String json, String problem) {
        TaskCodec.Parsed p = parse(json, "k");

        assertThat(p.ok()).isFalse();
        assertThat(p.task()).isNull();
        assertThat(p.problem()).contains(problem);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "{\"id\":\"t\",\"type\":}", "{'id':'t','type':'f'}", "not json at all",
            "{\"id\":\"t\",\"type\":\"f\",\"payload\":NaN}", "{\"id\":\"t\" \"type\":\"f\"}"})
    void shouldRejectAsNotJsonWhenTextIsMalformed(String text) {
        TaskCodec.Parsed p = parse(text, "k");

        assertThat(p.ok()).isFalse();
        assertThat(p.problem()).startsWith("not valid JSON");
    }
    @ParameterizedTest
    @ValueSource(strings = {"{\"id\":\"a\",\"type\":\"f\"} garbage", "{\"id\":\"a\",\"type\":\"f\"}{\"id\":\"b\",\"type\":\"f\"}",
            "{\"id\":\"a\",\"type\":\"f\"}]"})
    void shouldRejectWhenValueHasTrailingContent(String text) {
        TaskCodec.Parsed p = parse(text, "k");

        assertThat(p.ok()).isFalse();
        assertThat(p.problem()).startsWith("not valid JSON");
    }

    @Test
    void shouldRejectWhenValueIsEmptyOrNull() {
        assertThat(TaskCodec.parse(null, "k").problem()).isEqualTo("empty record value");
        assertThat(TaskCodec.parse(new byte[0], "k").problem()).isEqualTo("empty record value");
        assertThat(parse("   ", "k").ok()).isFalse();
    }

    @Test
    void shouldRejectWhenBytesAreNotUtf8() {
        byte[] latin1 = "{\"id\":\"caf\u00e9\",\"type\":\"f\"}".getBytes(StandardCharsets.ISO_8859_1);

        assertThat(TaskCodec.parse(latin1, "k").problem()).isEqualTo("value is not valid UTF-8");
        assertThat(TaskCodec.parse(new byte[] {'{', (byte) 0xff, '}'}, "k").problem()).isEqualTo("value is not valid UTF-8");
        assertThat(TaskCodec.parse(new byte[] {(byte) 0xc3}, "k").problem()).isEqualTo("value is not valid UTF-8");
    }

    @Test
    void shouldAcceptNestingUpToSixtyFourLevels() {
        // The task object is level 1, so 63 nested arrays reach level 64.
        String json = "{\"id\":\"t\",\"type\":\"f\",\"payload\":" + "[".repeat(63) + "]".repeat(63) + "}";

        assertThat(parse(json, "k").ok()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 1_000, 200_000})
    void shouldRejectWithoutStackOverflowWhenNestingIsDeeperThanSixtyFour(int arrays) {
        String json = "{\"id\":\"t\",\"type\":\"f\",\"payload\":" + "[".repeat(arrays) + "]".repeat(arrays) + "}";
        TaskCodec.Parsed[] result = new TaskCodec.Parsed[1];

        assertThatCode(() -> result[0] = parse(json, "k")).doesNotThrowAnyException();

        assertThat(result[0].ok()).isFalse();
        assertThat(result[0].problem()).startsWith("not valid JSON").contains("nesting depth");
    }

    @Test
    void shouldRejectWithoutStackOverflowWhenObjectsAreDeeplyNested() {
        String json = "{\"id\":\"t\",\"type\":\"f\",\"payload\":" + "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000) + "}";

        TaskCodec.Parsed p = parse(json, "k");

        assertThat(p.ok()).isFalse();
    }

    @Test
    void shouldParseWhatItEncodesWhenRoundTripping() {
        Task task = new Task("t-9", "simulate", "{\"a\":[1,{\"b\":\"é😀\"}],\"c\":null}", "idem-9",
                Instant.parse("2031-06-30T23:59:59.5Z"));

        TaskCodec.Parsed p = TaskCodec.parse(TaskCodec.encode(task), null);

        assertThat(p.task()).isEqualTo(task);
    }

    @Test
    void shouldRoundTripMinimalTaskWhenOptionalFieldsAreNull() {
        Task task = new Task("t", "f", null, null, null);

        assertThat(TaskCodec.parse(TaskCodec.encode(task), null).task()).isEqualTo(task);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"text\"", "42", "[1,2]", "true"})
    void shouldRoundTripWhenPayloadIsNotAnObject(String payload) {
        Task task = new Task("t", "f", payload, null, null);

        assertThat(TaskCodec.parse(TaskCodec.encode(task), null).task()).isEqualTo(task);
    }

    @Test
    void shouldNormaliseDeadlineWithOffsetToUtcInstant() {
        TaskCodec.Parsed p = parse("{\"id\":\"t\",\"type\":\"f\",\"deadline\":\"2030-01-01T02:00:00+02:00\"}", null);

        assertThat(p.task().deadline()).isEqualTo(Instant.parse("2030-01-01T00:00:00Z"));
    }
}
