package dev.numbers.web;

import static dev.numbers.testing.FakeUpstream.delayed;
import static dev.numbers.testing.FakeUpstream.numbers;
import static dev.numbers.testing.FakeUpstream.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.numbers.config.Setting;
import dev.numbers.testing.FakeUpstream;
import dev.numbers.testing.NumbersServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the service logs, through {@code System.Logger} into java.util.logging, as a container's default logging
 * configuration (the {@code dev.numbers} loggers at {@code INFO}) would show it: the effective settings once at start-up,
 * nothing per request, and with {@code numbers.debug=true} one request's whole fan-out.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NumbersServletLoggingTest {

    /** Held strongly: java.util.logging keeps loggers weakly, and would forget the level set here. */
    private final Logger numbersLogger = Logger.getLogger("dev.numbers");
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final SimpleFormatter formatter = new SimpleFormatter();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private Level savedLevel;
    private FakeUpstream upstream;

    @BeforeEach
    void capture() throws Exception {
        savedLevel = numbersLogger.getLevel();
        numbersLogger.setLevel(Level.INFO);
        numbersLogger.setUseParentHandlers(false); // keep the test output quiet
        numbersLogger.addHandler(handler);
        upstream = FakeUpstream.start()
                .on("/primes", numbers(2, 3, 5))
                .on("/unavailable", status(503, "{}"))
                .on("/slow", delayed(3_000, numbers(7)));
    }

    @AfterEach
    void restore() throws Exception {
        numbersLogger.removeHandler(handler);
        numbersLogger.setUseParentHandlers(true);
        numbersLogger.setLevel(savedLevel);
        upstream.close();
    }

    @Test
    void logsTheEffectiveSettingsOnceAtStartUp() throws Exception {
        try (NumbersServer service = NumbersServer.start()) {
            assertEquals(200, service.get("not-a-url").statusCode());
            List<String> lines = lines(NumbersContextListener.class.getName(), Level.INFO);
            assertEquals(1, lines.size(), lines.toString());
            String started = lines.get(0);
            assertTrue(started.startsWith("numbers started: numbers.budget=500ms "), started);
            assertTrue(started.contains(" numbers.debug=false numbers.metricsPath=/metrics numbers.healthPath=/health"),
                    started);
        }
    }

    @Test
    void logsNoLinePerRequestWhenDebugIsOff() throws Exception {
        try (NumbersServer service = NumbersServer.start()) {
            records.clear();
            for (int i = 0; i < 3; i++) {
                assertEquals(200, service.get(upstream.url("/primes"), upstream.url("/unavailable")).statusCode());
            }
            assertEquals(200, service.get(upstream.url("/primes"), upstream.url("/slow")).statusCode());
            assertEquals(405, service.send(java.net.http.HttpRequest.newBuilder(service.uri("/numbers"))
                    .timeout(java.time.Duration.ofSeconds(5))
                    .DELETE().build()).statusCode());
            Thread.sleep(200); // let the abandoned upstream settle: it would be traced after the answer
            assertEquals("", describe(records), "lines logged for requests with numbers.debug off");
        }
    }

    @Test
    void tracesOneRequestsFanOutAtInfoWhenDebugIsOn() throws Exception {
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.DEBUG.name(), "true",
                Setting.EXTRA_ATTEMPT_CPU_PERCENT.name(), "100"))) {
            records.clear();
            String ok = upstream.url("/primes");
            String unavailable = upstream.url("/unavailable");
            String slow = upstream.url("/slow");
            assertEquals("{\"numbers\":[2,3,5]}", service.get(ok, unavailable, slow).body());

            // The fan-out, each attempt (kind, when it was sent, how it ended), each upstream settled once, the
            // answer; the slow upstream's attempts end after it, when their own timeouts give them up.
            String attempt = " attempt sent at \\+\\d+ms ended ";
            List<String> trace = awaitLine("dev.numbers.aggregation.Aggregation", "[1] " + slow + " settled late");
            assertTrue(trace.get(0).matches("\\[1] fan-out to 3 upstreams, cutoff in \\d+ms"), trace.get(0));
            assertTrue(trace.contains("[1] " + ok + " settled ok"), trace.toString());
            assertTrue(trace.contains("[1] " + unavailable + " settled http_error"), trace.toString());
            assertTrue(trace.stream().anyMatch(l -> l.matches("\\[1] partial answer, 1/3 upstreams in \\d+ms")),
                    trace.toString());
            assertTrue(trace.stream().anyMatch(l -> l.matches("\\[1] " + ok + " first" + attempt + "ok after \\d+ms")),
                    trace.toString());
            assertTrue(trace.stream().anyMatch(l -> l.matches("\\[1] " + unavailable + " retry" + attempt
                    + "http_error after \\d+ms")), trace.toString());
            assertTrue(trace.stream().anyMatch(l -> l.matches("\\[1] " + slow + " hedge" + attempt
                    + "late after \\d+ms")), trace.toString());
        }
    }

    @Test
    void tracesAtDebugLevelWhenOnlyTheLoggerIsRaised() throws Exception {
        numbersLogger.setLevel(Level.FINE); // System.Logger's DEBUG
        try (NumbersServer service = NumbersServer.start()) {
            records.clear();
            service.get(upstream.url("/primes"));
            List<String> trace = awaitLines("dev.numbers.aggregation.Aggregation", Level.FINE, 3);
            assertTrue(trace.contains("[1] " + upstream.url("/primes") + " settled ok"), trace.toString());
            assertEquals(List.of(), lines("dev.numbers.aggregation.Aggregation", Level.INFO));
        }
    }

    /** Waits (bounded) until {@code logger} has logged {@code line} at {@code INFO}; returns its lines then. */
    private List<String> awaitLine(String logger, String line) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        List<String> lines = lines(logger, Level.INFO);
        while (!lines.contains(line) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            lines = lines(logger, Level.INFO);
        }
        assertTrue(lines.contains(line), "no line '" + line + "' in " + describe(records));
        return lines;
    }

    /** Waits (bounded) until {@code logger} has logged at least {@code count} lines at exactly {@code level}. */
    private List<String> awaitLines(String logger, Level level, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        List<String> lines = lines(logger, level);
        while (lines.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
            lines = lines(logger, level);
        }
        assertTrue(lines.size() >= count, "expected " + count + " lines, got " + describe(records));
        return lines;
    }

    private List<String> lines(String logger, Level level) {
        return records.stream()
                .filter(r -> r.getLoggerName().equals(logger) && r.getLevel().equals(level))
                .map(formatter::formatMessage)
                .collect(Collectors.toList());
    }

    private String describe(List<LogRecord> all) {
        return all.stream()
                .map(r -> r.getLevel() + " " + r.getLoggerName() + ": " + formatter.formatMessage(r))
                .collect(Collectors.joining("\n"));
    }
}
