package dev.harvest.config;

/**
 * An invalid pipeline file. The message is one line that starts with the path of the offending field,
 * e.g. {@code lanes[1].topic: must not be blank}.
 */
public final class ConfigException extends RuntimeException {

    private final String field;
    private final String problem;

    public ConfigException(String field, String problem) {
        super(field == null || field.isEmpty() ? problem : field + ": " + problem);
        this.field = field == null ? "" : field;
        this.problem = problem;
    }

    /** Path of the field, e.g. {@code lanes[1].topic}; empty for a problem with the whole file. */
    public String field() {
        return field;
    }

    public String problem() {
        return problem;
    }

    /** The same problem, one level further down: {@code prefix.field}. */
    public ConfigException under(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return this;
        }
        String joined = field.isEmpty() ? prefix : field.startsWith("[") ? prefix + field : prefix + "." + field;
        return new ConfigException(joined, problem);
    }
}
