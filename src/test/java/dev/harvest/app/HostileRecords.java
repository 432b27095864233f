package dev.harvest.app;

import dev.harvest.topology.TaskCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * A seeded generator of hostile task records, each with the outcome the pipeline owes it: {@code completed} or
 * the dead-letter reason. Records go to a lane topic or straight into the first retry topic (as a replaying tool
 * might write them). Keys are unique text so that every outcome can be matched to its record, except for records
 * without a key, which are counted.
 */
final class HostileRecords {

    /** Where a record is sent: a lane's topic ({@code high}, {@code low}) or the first retry topic. */
    enum Target { HIGH, LOW, RETRY }

    /** One record and what must become of it. */
    record Hostile(Target target, byte[] key, byte[] value, List<Header> headers, String expected, String kind) {
        String keyText() {
            return key == null ? null : new String(key, StandardCharsets.UTF_8);
        }
    }

    static final String COMPLETED = "completed";

    private final Random random;
    private final int maxTaskBytes;

    HostileRecords(long seed, int maxTaskBytes) {
        this.random = new Random(seed);
        this.maxTaskBytes = maxTaskBytes;
    }

    List<Hostile> generate(int count) {
        List<IntFunction<Hostile>> kinds = List.of(this::valid, this::validButOdd, this::badJson, this::badUtf8,
                this::tooDeep, this::wrongTypes, this::missingFields, this::oversized, this::expired,
                this::unknownType, this::headerGarbage, this::keyGarbage, this::viaRetryTopic, this::mutated);
        List<Hostile> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(kinds.get(random.nextInt(kinds.size())).apply(i));
        }
        return out;
    }

    private Hostile valid(int i) {
        return lane(i, task(id(i), "simulate", "{\"n\":" + i + "}", null), COMPLETED, "valid");
    }

    private Hostile validButOdd(int i) {
        String payload = switch (random.nextInt(7)) {
            case 0 -> quote("x".repeat(maxTaskBytes / 2));
            case 1 -> "\"\\u0000\\ud83d\\ude00 \\\"quoted\\\" \u00e9\u4e2d\"";
            case 2 -> nested(1 + random.nextInt(55));
            case 3 -> "[1, 2.5e308, -0, null, true, \"s\"]";
            case 4 -> "null";
            case 5 -> "12345678901234567890123456789";
            default -> "{\"lane\":\"nowhere\",\"priority\":-1,\"type\":7}";
        };
        String extra = switch (random.nextInt(4)) {
            case 0 -> ",\"deadline\":\"+999999999-12-31T23:59:59Z\"";
            case 1 -> ",\"lane\":\"no-such-lane\",\"attempt\":-3";
            case 2 -> ",\"idempotencyKey\":\"idem-" + i + "\"";
            default -> "";
        };
        String json = "{\"id\":\"" + id(i) + "\",\"type\":\"simulate\",\"payload\":" + payload + extra + "}";
        return lane(i, json.getBytes(StandardCharsets.UTF_8), COMPLETED, "odd-but-valid");
    }

    private Hostile badJson(int i) {
        String good = new String(task(id(i), "simulate", "{\"n\":1}", null), StandardCharsets.UTF_8);
        byte[] value = switch (random.nextInt(6)) {
            case 0 -> good.substring(0, 1 + random.nextInt(good.length() - 1)).getBytes(StandardCharsets.UTF_8);
            case 1 -> (good + " trailing").getBytes(StandardCharsets.UTF_8);
            case 2 -> new byte[0];
            case 3 -> null;
            case 4 -> "{'id': 'single-quoted'}".getBytes(StandardCharsets.UTF_8);
            default -> randomAscii(1 + random.nextInt(200));
        };
        return lane(i, value, "malformed", "bad-json");
    }

    private Hostile badUtf8(int i) {
        byte[] head = ("{\"id\":\"" + id(i) + "\",\"type\":\"simulate\",\"payload\":\"").getBytes(StandardCharsets.UTF_8);
        byte[][] invalid = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}};
        byte[] bad = invalid[random.nextInt(invalid.length)];
        byte[] tail = "\"}".getBytes(StandardCharsets.UTF_8);
        byte[] value = new byte[head.length + bad.length + tail.length];
        System.arraycopy(head, 0, value, 0, head.length);
        System.arraycopy(bad, 0, value, head.length, bad.length);
        System.arraycopy(tail, 0, value, head.length + bad.length, tail.length);
        return lane(i, value, "malformed", "bad-utf8");
    }

    private Hostile tooDeep(int i) {
        String payload = random.nextBoolean() ? nested(64 + random.nextInt(400)) : "[".repeat(70 + random.nextInt(300));
        return lane(i, task(id(i), "simulate", payload, null), "malformed", "too-deep");
    }

    private Hostile wrongTypes(int i) {
        String json = switch (random.nextInt(8)) {
            case 0 -> "{\"id\":" + i + ",\"type\":\"simulate\"}";
            case 1 -> "{\"id\":\"" + id(i) + "\",\"type\":42}";
            case 2 -> "{\"id\":\"" + id(i) + "\",\"type\":[\"simulate\"]}";
            case 3 -> "{\"id\":\"" + id(i) + "\",\"type\":\"simulate\",\"deadline\":-1}";
            case 4 -> "{\"id\":\"" + id(i) + "\",\"type\":\"simulate\",\"deadline\":\"tomorrow\"}";
            case 5 -> "{\"id\":\"" + id(i) + "\",\"type\":\"simulate\",\"idempotencyKey\":{\"a\":1}}";
            case 6 -> "[\"" + id(i) + "\",\"simulate\"]";
            default -> "\"just a string\"";
        };
        return lane(i, json.getBytes(StandardCharsets.UTF_8), "malformed", "wrong-types");
    }

    private Hostile missingFields(int i) {
        if (random.nextBoolean()) {
            // No id in the value: the record key stands in for it.
            return lane(i, "{\"type\":\"simulate\",\"payload\":{}}".getBytes(StandardCharsets.UTF_8), COMPLETED,
                    "id-from-key");
        }
        return lane(i, ("{\"id\":\"" + id(i) + "\",\"payload\":{}}").getBytes(StandardCharsets.UTF_8), "malformed",
                "missing-type");
    }

    private Hostile oversized(int i) {
        String payload = quote("y".repeat(maxTaskBytes + random.nextInt(maxTaskBytes * 4)));
        byte[] value = random.nextBoolean() ? task(id(i), "simulate", payload, null)
                : randomAscii(maxTaskBytes + 1 + random.nextInt(1000));
        return lane(i, value, "oversized", "oversized");
    }

    private Hostile expired(int i) {
        String[] past = {"1970-01-01T00:00:00Z", "-999999999-01-01T00:00:00Z", "2001-09-09T01:46:40.123Z"};
        return lane(i, task(id(i), "simulate", "{}", past[random.nextInt(past.length)]), "expired", "expired");
    }

    private Hostile unknownType(int i) {
        String[] types = {"nope", "SIMULATE", "simulate ", "x".repeat(1000), "\u0000", "../../etc/passwd"};
        return lane(i, task(id(i), types[random.nextInt(types.length)], "{}", null), "unknown-type", "unknown-type");
    }

    private Hostile headerGarbage(int i) {
        Hostile base = valid(i);
        List<Header> headers = new ArrayList<>();
        String[] attempts = {"abc", "-5", "0", "99999999999999999999", "2147483647", " 3 ", ""};
        String[] instants = {"+999999999-12-31T23:59:59Z", "-999999999-01-01T00:00:00Z", "not-a-time", "-1",
            "9223372036854775807", "1e9"};
        headers.add(header("harvest.attempt", attempts[random.nextInt(attempts.length)]));
        headers.add(header("harvest.first-seen", instants[random.nextInt(instants.length)]));
        headers.add(header("harvest.lane", "no-such-lane"));
        headers.add(new RecordHeader("harvest.dlq.reason", null));
        headers.add(new RecordHeader("\u00ff\u0000garbage", randomAscii(random.nextInt(2000))));
        headers.add(new RecordHeader("harvest.due-at", new byte[] {(byte) 0xFF, (byte) 0xFE}));
        return new Hostile(base.target(), base.key(), base.value(), headers, COMPLETED, "header-garbage");
    }

    private Hostile keyGarbage(int i) {
        if (random.nextInt(3) == 0) {
            byte[] value = random.nextBoolean() ? null : "{\"type\":\"simulate\"}".getBytes(StandardCharsets.UTF_8);
            return new Hostile(lane(), null, value, List.of(), "malformed", "no-key-no-id");
        }
        byte[] prefix = id(i).getBytes(StandardCharsets.UTF_8);
        byte[] key = new byte[prefix.length + 3];
        System.arraycopy(prefix, 0, key, 0, prefix.length);
        key[prefix.length] = (byte) 0xFF;
        key[prefix.length + 1] = (byte) 0xC3;
        key[prefix.length + 2] = 0x28;
        return new Hostile(lane(), key, task(id(i), "simulate", "{}", null), List.of(), COMPLETED, "key-not-utf8");
    }

    private Hostile viaRetryTopic(int i) {
        byte[] value = task(id(i), "simulate", "{}", null);
        return switch (random.nextInt(4)) {
            case 0 -> retry(i, value, "no-such-lane", null, "malformed", "retry-unknown-lane");
            case 1 -> retry(i, value, null, null, "malformed", "retry-without-lane");
            case 2 -> retry(i, value, random.nextBoolean() ? "high" : "low", "+999999999-12-31T23:59:59Z", COMPLETED,
                    "retry-due-far-away");
            default -> retry(i, "{broken".getBytes(StandardCharsets.UTF_8), "low", "1970-01-01T00:00:00Z", "malformed",
                    "retry-bad-json");
        };
    }

    /** A valid task with a few bytes flipped: it still parses and completes, or it is dead-lettered as malformed. */
    private Hostile mutated(int i) {
        byte[] value = task(id(i), "simulate", "{\"n\":" + i + "}", null);
        for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
            value[random.nextInt(value.length)] = (byte) random.nextInt(256);
        }
        TaskCodec.Parsed parsed = TaskCodec.parse(value, id(i));
        String expected = !parsed.ok() ? "malformed" : parsed.task().type().equals("simulate") ? COMPLETED
                : "unknown-type";
        return lane(i, value, expected, "mutated");
    }

    private Hostile retry(int i, byte[] value, String lane, String dueAt, String expected, String kind) {
        List<Header> headers = new ArrayList<>();
        if (lane != null) {
            headers.add(header("harvest.lane", lane));
        }
        if (dueAt != null) {
            headers.add(header("harvest.due-at", dueAt));
        }
        return new Hostile(Target.RETRY, id(i).getBytes(StandardCharsets.UTF_8), value, headers, expected, kind);
    }

    private Hostile lane(int i, byte[] value, String expected, String kind) {
        return new Hostile(lane(), id(i).getBytes(StandardCharsets.UTF_8), value, List.of(), expected, kind);
    }

    private Target lane() {
        return random.nextBoolean() ? Target.HIGH : Target.LOW;
    }

    private static String id(int i) {
        return "h" + i;
    }

    private static byte[] task(String id, String type, String payload, String deadline) {
        String json = "{\"id\":" + quote(id) + ",\"type\":" + quote(type) + ",\"payload\":" + payload
                + (deadline == null ? "" : ",\"deadline\":" + quote(deadline)) + "}";
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\u0000", "\\u0000") + "\"";
    }

    private static String nested(int depth) {
        return "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
    }

    private byte[] randomAscii(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (32 + random.nextInt(95));
        }
        return bytes;
    }

    private static Header header(String key, String value) {
        return new RecordHeader(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
