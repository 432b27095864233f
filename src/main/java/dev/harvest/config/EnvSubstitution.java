package dev.harvest.config;

import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code ${VAR}} and {@code ${VAR:-default}} substitution, shell style; {@code $${X}} stays literal. */
final class EnvSubstitution {

    private static final Pattern VAR = Pattern.compile("\\$(\\$?)\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    private EnvSubstitution() {
    }

    static String apply(String text, Function<String, String> env) {
        Matcher m = VAR.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (!m.group(1).isEmpty()) {
                replacement = m.group().substring(1);
            } else {
                String value = env.apply(m.group(2));
                if (value == null || value.isEmpty()) {
                    if (m.group(3) == null) {
                        throw new ConfigException("${" + m.group(2) + "}",
                                "environment variable " + m.group(2) + " is not set and has no default");
                    }
                    value = m.group(3);
                }
                replacement = value;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}
