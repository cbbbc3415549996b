package dev.numbers.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.stream.Collectors;

/**
 * Captures what is logged through java.util.logging while open — our {@code System.Logger} lines and, via
 * slf4j-jdk14, Jetty's own: every warning or error ({@link #warnings()}), so a test can assert that nothing went wrong
 * behind a correct-looking answer, or one logger's lines ({@link #lines(String, Level)}), such as the trace of
 * {@code numbers.debug}.
 */
public final class LogCapture implements AutoCloseable {

    /** Held strongly while open: java.util.logging keeps loggers weakly, and would forget a level set here. */
    private final Logger logger;
    private final Level least;
    private final Level savedLevel;
    private final boolean savedUseParentHandlers;
    private final boolean quiet;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= least.intValue()) {
                records.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private LogCapture(Logger logger, Level least, boolean quiet) {
        this.logger = logger;
        this.least = least;
        this.quiet = quiet;
        this.savedLevel = logger.getLevel();
        this.savedUseParentHandlers = logger.getUseParentHandlers();
        if (quiet) {
            logger.setLevel(least);
            logger.setUseParentHandlers(false); // keep the test output quiet
        }
        logger.addHandler(handler);
    }

    public static LogCapture warnings() {
        return new LogCapture(Logger.getLogger(""), Level.WARNING, false);
    }

    /**
     * Captures the lines {@code logger} logs at {@code least} and above, raising it to that level while open and
     * keeping them out of the test's output.
     */
    public static LogCapture lines(String logger, Level least) {
        return new LogCapture(Logger.getLogger(logger), least, true);
    }

    /** @return each captured record as "LEVEL logger: message (thrown)", empty when nothing was logged */
    public String describe() {
        return records.stream()
                .map(r -> r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage()
                        + (r.getThrown() == null ? "" : " (" + r.getThrown() + ")"))
                .collect(Collectors.joining("\n"));
    }

    /** @return the captured messages so far, formatted with their parameters, in the order logged */
    public List<String> messages() {
        SimpleFormatter formatter = new SimpleFormatter();
        return records.stream().map(formatter::formatMessage).toList();
    }

    public boolean isEmpty() {
        return records.isEmpty();
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        if (quiet) {
            logger.setUseParentHandlers(savedUseParentHandlers);
            logger.setLevel(savedLevel);
        }
    }
}
