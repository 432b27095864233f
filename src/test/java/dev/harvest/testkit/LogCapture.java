package dev.harvest.testkit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

/** Captures every log event of the JVM (all levels, all loggers) as text, e.g. to check that no secret leaks. */
public final class LogCapture extends AppenderBase<ILoggingEvent> {

    private final StringBuffer text = new StringBuffer();
    private final java.util.Map<Logger, Level> raised = new java.util.HashMap<>();
    private Level oldLevel;

    public static LogCapture begin() {
        LogCapture capture = new LogCapture();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        capture.oldLevel = root.getLevel();
        root.setLevel(Level.DEBUG);
        capture.setContext(root.getLoggerContext());
        capture.start();
        root.addAppender(capture);
        return capture;
    }

    /**
     * The same, with {@code loggers} (quiet by default, e.g. {@code org.apache.kafka.clients}) at {@code level}
     * while capturing, so that what they print, such as the client configuration, is checked too.
     */
    public static LogCapture begin(Level level, String... loggers) {
        LogCapture capture = begin();
        for (String name : loggers) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            capture.raised.put(logger, logger.getLevel());
            logger.setLevel(level);
        }
        return capture;
    }

    @Override
    protected void append(ILoggingEvent event) {
        text.append(event.getLoggerName()).append(' ').append(event.getFormattedMessage()).append('\n');
        for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
            text.append(t.getClassName()).append(": ").append(t.getMessage()).append('\n');
            for (StackTraceElementProxy frame : t.getStackTraceElementProxyArray()) {
                text.append(frame.getSTEAsString()).append('\n');
            }
        }
    }

    public String text() {
        return text.toString();
    }

    @Override
    public void stop() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAppender(this);
        root.setLevel(oldLevel);
        raised.forEach(Logger::setLevel);
        super.stop();
    }
}
