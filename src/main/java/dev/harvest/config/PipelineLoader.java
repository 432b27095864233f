package dev.harvest.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

/**
 * Reads a pipeline file: substitutes {@code ${VAR}} and {@code ${VAR:-default}} from the environment, maps the
 * YAML onto the config records and turns every problem into a {@link ConfigException} that names the field.
 */
public final class PipelineLoader {

    /** Far more than any pipeline needs, and little enough for the YAML parser to refuse quickly. */
    static final int MAX_CHARS = 256 * 1024;

    private final ObjectMapper yaml;
    private final Function<String, String> env;

    public PipelineLoader() {
        this(System::getenv);
    }

    /** With another source of environment variables (tests). */
    public PipelineLoader(Function<String, String> env) {
        this.env = env;
        SimpleModule durations = new SimpleModule("harvest-durations");
        durations.addDeserializer(Duration.class, new DurationDeserializer());
        this.yaml = new ObjectMapper(new YAMLFactory())
                .registerModule(durations)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    }

    public PipelineConfig load(Path file) {
        String text;
        try (InputStream in = Files.newInputStream(file)) {
            // Bounded: a wrong path (a device, a huge log) must fail at once, not fill the heap.
            byte[] bytes = in.readNBytes(MAX_CHARS + 1);
            if (bytes.length > MAX_CHARS) {
                throw tooLarge();
            }
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException("", "pipeline file " + file + " is not UTF-8 text");
        } catch (NoSuchFileException e) {
            throw new ConfigException("", "pipeline file not found: " + file);
        } catch (IOException e) {
            throw new ConfigException("", "cannot read pipeline file " + file + ": " + e.getMessage());
        }
        return parse(text);
    }

    public PipelineConfig parse(String text) {
        if (text.length() > MAX_CHARS) {
            throw tooLarge();
        }
        String substituted = EnvSubstitution.apply(text, env);
        if (substituted.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#"))) {
            throw new ConfigException("", "pipeline file is empty");
        }
        try {
            PipelineConfig config = yaml.readValue(substituted, PipelineConfig.class);
            if (config == null) {
                throw new ConfigException("", "pipeline file is empty");
            }
            return config;
        } catch (JsonMappingException e) {
            throw translate(e);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new ConfigException("", "not valid YAML" + where + ": " + firstLine(e.getOriginalMessage()));
        }
    }

    private static ConfigException tooLarge() {
        return new ConfigException("", "pipeline file is larger than " + MAX_CHARS / 1024 + " KiB; is it the right file?");
    }

    private static ConfigException translate(JsonMappingException e) {
        String path = FieldPath.of(e.getPath());
        Throwable cause = e.getCause();
        while (cause != null) {
            if (cause instanceof ConfigException ce) {
                return ce.under(path);
            }
            cause = cause.getCause();
        }
        if (e instanceof UnrecognizedPropertyException u) {
            return new ConfigException(path, "unknown field '" + u.getPropertyName() + "'");
        }
        return new ConfigException(path, cleanMessage(e.getOriginalMessage()));
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("").strip();
    }

    private static String cleanMessage(String message) {
        String firstLine = message == null ? "invalid value" : message.lines().findFirst().orElse("invalid value");
        return firstLine.replaceAll("\\(class [^)]*\\)", "").replaceAll("`[a-z.]*\\.([A-Za-z]+)`", "$1").trim();
    }

    /** Accepts {@code 500ms}, {@code 30s}, {@code 1m}, ISO-8601, or a number of milliseconds. */
    private static final class DurationDeserializer extends JsonDeserializer<Duration> {
        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            if (p.currentToken().isNumeric()) {
                return Duration.ofMillis(p.getLongValue());
            }
            String text = p.getValueAsString();
            try {
                return Durations.parse(text);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("", e.getMessage());
            }
        }
    }
}
