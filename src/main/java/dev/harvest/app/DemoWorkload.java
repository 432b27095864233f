package dev.harvest.app;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * The demo's task mix: tasks spread across the lanes (20% high, 50% normal, 30% low); 1% poison (the provider
 * answers 400) and 0.5% malformed records. Retries come from the provider's own 429s and 5xx.
 */
final class DemoWorkload {

    /** One record to produce. */
    record Item(String lane, String key, byte[] value) {
    }

    private final Random random;
    private final String type;

    DemoWorkload(long seed, String type) {
        this.random = new Random(seed);
        this.type = type;
    }

    Item next(int i) {
        double laneDraw = random.nextDouble();
        String lane = laneDraw < 0.2 ? "high" : laneDraw < 0.7 ? "normal" : "low";
        String id = "task-" + i;
        double kind = random.nextDouble();
        String payload;
        if (kind < 0.005) {
            return new Item(lane, id, ("{\"id\":\"" + id + "\",\"type\":").getBytes(StandardCharsets.UTF_8));
        } else if (kind < 0.015) {
            payload = "{\"n\":" + i + ",\"poison\":true}";
        } else {
            payload = "{\"n\":" + i + "}";
        }
        String json = "{\"id\":\"" + id + "\",\"type\":\"" + type + "\",\"idempotencyKey\":\"" + id
                + "\",\"payload\":" + payload + "}";
        return new Item(lane, id, json.getBytes(StandardCharsets.UTF_8));
    }
}
