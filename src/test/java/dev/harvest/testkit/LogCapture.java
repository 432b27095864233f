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
        super.stop();
    }
}
