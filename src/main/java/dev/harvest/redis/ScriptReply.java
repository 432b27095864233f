package dev.harvest.redis;

import java.util.List;

/**
 * The flat array a script answers with, read by position. A reply of the wrong shape is a bug (script and Java
 * out of step) and fails loudly with the script's name.
 */
public final class ScriptReply {

    private final String script;
    private final List<Object> values;

    public ScriptReply(String script, List<Object> values) {
        this.script = script;
        this.values = values == null ? List.of() : values;
    }

    public int size() {
        return values.size();
    }

    public long longAt(int index) {
        Object value = at(index);
        if (value instanceof Long n) {
            return n;
        }
        if (value instanceof String s) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw shape(index, "a number");
            }
        }
        throw shape(index, "a number");
    }

    public int intAt(int index) {
        return Math.toIntExact(longAt(index));
    }

    /** A string element; Redis turns Lua's empty strings into empty bulk strings. */
    public String stringAt(int index) {
        Object value = at(index);
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Long n) {
            return Long.toString(n);
        }
        if (value == null) {
            return "";
        }
        throw shape(index, "a string");
    }

    private Object at(int index) {
        if (index < 0 || index >= values.size()) {
            throw shape(index, "present (reply has " + values.size() + " elements)");
        }
        return values.get(index);
    }

    private IllegalStateException shape(int index, String expected) {
        return new IllegalStateException("script " + script + ": reply element " + index + " should be " + expected);
    }
}
