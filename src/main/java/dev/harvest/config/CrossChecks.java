package dev.harvest.config;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checks that span several sections of the pipeline file: unique names and topics, references that resolve. */
final class CrossChecks {

    private CrossChecks() {
    }

    static void run(String pipeline, List<LaneConfig> lanes, List<KeyPoolConfig> pools, List<PermitConfig> permits,
                    Map<String, HandlerConfig> handlers, String results, String dlq, List<String> retryTopics) {
        Set<String> laneNames = new HashSet<>();
        Set<String> topics = new HashSet<>();
        for (int i = 0; i < lanes.size(); i++) {
            LaneConfig lane = lanes.get(i);
            if (lane == null) {
                throw new ConfigException("lanes[" + i + "]", "must not be empty");
            }
            if (!laneNames.add(lane.name())) {
                throw new ConfigException("lanes[" + i + "].name", "duplicate lane name '" + lane.name() + "'");
            }
            if (!topics.add(lane.topic())) {
                throw new ConfigException("lanes[" + i + "].topic", "topic '" + lane.topic() + "' is used twice");
            }
        }
        uniqueTopic("resultsTopic", results, topics);
        uniqueTopic("deadLetterTopic", dlq, topics);
        for (int i = 0; i < retryTopics.size(); i++) {
            uniqueTopic("retry.delays[" + i + "]", retryTopics.get(i), topics);
        }
        Set<String> poolNames = uniqueNames("keyPools", pools.stream().map(KeyPoolConfig::name).toList());
        Set<String> permitNames = uniqueNames("permits", permits.stream().map(PermitConfig::name).toList());
        for (int i = 0; i < permits.size(); i++) {
            for (String lane : permits.get(i).reserved().keySet()) {
                if (!laneNames.contains(lane)) {
                    throw new ConfigException("permits[" + i + "].reserved." + lane, "unknown lane '" + lane + "'");
                }
            }
        }
        handlers.forEach((type, handler) -> checkHandler(type, handler, poolNames, permitNames));
    }

    /** Each redrive rule names a known lane (if any), and no two rules select the same dead letters. */
    static void redrive(List<LaneConfig> lanes, List<RedriveRule> rules) {
        Set<String> laneNames = new HashSet<>();
        lanes.forEach(l -> laneNames.add(l.name()));
        Set<String> selections = new HashSet<>();
        for (int i = 0; i < rules.size(); i++) {
            RedriveRule rule = rules.get(i);
            if (rule.lane() != null && !laneNames.contains(rule.lane())) {
                throw new ConfigException("redrive[" + i + "].lane", "unknown lane '" + rule.lane() + "'");
            }
            String lane = rule.lane() == null ? "every lane" : "lane '" + rule.lane() + "'";
            if (!selections.add(rule.reason() + "/" + (rule.lane() == null ? "" : rule.lane()))) {
                throw new ConfigException("redrive[" + i + "]", "duplicate rule for reason '" + rule.reason()
                        + "' and " + lane);
            }
        }
    }

    private static void uniqueTopic(String field, String topic, Set<String> topics) {
        if (!topics.add(topic)) {
            throw new ConfigException(field, "topic '" + topic + "' is used twice");
        }
    }

    private static Set<String> uniqueNames(String field, List<String> names) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < names.size(); i++) {
            if (!seen.add(names.get(i))) {
                throw new ConfigException(field + "[" + i + "].name", "duplicate name '" + names.get(i) + "'");
            }
        }
        return seen;
    }

    private static void checkHandler(String type, HandlerConfig handler, Set<String> pools, Set<String> permits) {
        String at = "handlers." + type;
        if (handler == null) {
            throw new ConfigException(at, "must not be empty");
        }
        if (handler.keyPool() != null && !pools.contains(handler.keyPool())) {
            throw new ConfigException(at + ".keyPool", "unknown key pool '" + handler.keyPool() + "'");
        }
        if (handler.permits() != null && !permits.contains(handler.permits())) {
            throw new ConfigException(at + ".permits", "unknown permits '" + handler.permits() + "'");
        }
    }
}
