package dev.harvest.app;

import dev.harvest.config.HandlerConfig;
import dev.harvest.config.PipelineConfig;
import dev.harvest.execution.HandlerBinding;
import dev.harvest.execution.HandlerFactory;
import java.util.LinkedHashMap;
import java.util.Map;

/** Task type → handler and what it must hold, from the pipeline file's {@code handlers}. */
final class Bindings {

    private Bindings() {
    }

    static Map<String, HandlerBinding> of(PipelineConfig config, HandlerFactory factory) {
        Map<String, HandlerBinding> out = new LinkedHashMap<>();
        config.handlers().forEach((type, hc) -> out.put(type, bind(hc, factory)));
        return out;
    }

    private static HandlerBinding bind(HandlerConfig hc, HandlerFactory factory) {
        // The dispatcher's bound sits a little above the handler's own timeout, so the handler reports first.
        return new HandlerBinding(factory.create(hc), hc.keyPool(), hc.permits(),
                hc.timeout().plusMillis(500));
    }
}
