package dev.numbers.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Captures every warning or error logged through java.util.logging while open — our {@code System.Logger} lines and,
 * via slf4j-jdk14, Jetty's own — so a test can assert that nothing went wrong behind a correct-looking answer.
 */
public final class LogCapture implements AutoCloseable {

    private final Logger root = Logger.getLogger("");
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
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

    private LogCapture() {
        root.addHandler(handler);
    }

    public static LogCapture warnings() {
        return new LogCapture();
    }

    /** @return each captured record as "LEVEL logger: message (thrown)", empty when nothing was logged */
    public String describe() {
        return records.stream()
                .map(r -> r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage()
                        + (r.getThrown() == null ? "" : " (" + r.getThrown() + ")"))
                .collect(Collectors.joining("\n"));
    }

    public boolean isEmpty() {
        return records.isEmpty();
    }

    @Override
    public void close() {
        root.removeHandler(handler);
    }
}
