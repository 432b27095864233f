package dev.harvest.app;

import dev.harvest.config.HandlerConfig;
import dev.harvest.config.PipelineConfig;
import dev.harvest.execution.HandlerBinding;
import dev.harvest.execution.HandlerBreaker;
import dev.harvest.execution.HandlerFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Task type → handler and what it must hold, from the pipeline file's {@code handlers}. */
final class Bindings {

    private Bindings() {
    }

    static Map<String, HandlerBinding> of(PipelineConfig config, HandlerFactory factory, Clock clock) {
        Map<String, HandlerBinding> out = new LinkedHashMap<>();
        config.handlers().forEach((type, hc) -> out.put(type, bind(type, hc, factory, clock)));
        return out;
    }

    private static HandlerBinding bind(String type, HandlerConfig hc, HandlerFactory factory, Clock clock) {
        // The dispatcher's bound sits a little above the handler's own timeout, so the handler reports first.
        Duration bound = hc.timeout().plusMillis(500);
        return new HandlerBinding(factory.create(hc), hc.keyPool(), hc.permits(), bound,
                HandlerBreaker.create(type, hc.breaker(), bound, clock).orElse(null));
    }
}
