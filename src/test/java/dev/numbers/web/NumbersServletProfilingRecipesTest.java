package dev.numbers.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.numbers.testing.FakeUpstream;
import dev.numbers.testing.NumbersServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The profiling recipes of docs/operations.md#profiling, run as written against this very JVM while it serves
 * {@code /numbers}: a JFR recording started and dumped with {@code jcmd} (the CPU profile and execution trace), a heap
 * dump, a thread dump. Skipped where the JDK's tools are absent (a bare JRE).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NumbersServletProfilingRecipesTest {

    private static final Pattern SUMMARY_LINE = Pattern.compile("^\\s*(jdk\\.\\w+)\\s+(\\d+)\\s+\\d+\\s*$",
            Pattern.MULTILINE);

    @TempDir
    Path dir;

    private final String pid = Long.toString(ProcessHandle.current().pid());
    private FakeUpstream upstream;
    private NumbersServer service;

    @BeforeEach
    void start() throws Exception {
        upstream = FakeUpstream.start().on("/primes", FakeUpstream.numbers(2, 3, 5, 7, 11, 13));
        service = NumbersServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        service.close();
        upstream.close();
    }

    @Test
    void recordsACpuProfileWithJfrStartedAndDumpedByJcmd() throws Exception {
        Path recording = dir.resolve("numbers.jfr");
        run(jdkTool("jcmd"), pid, "JFR.start", "name=numbers", "settings=profile");
        try {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < until) {
                assertEquals(200, service.get(upstream.url("/primes")).statusCode());
            }
            run(jdkTool("jcmd"), pid, "JFR.dump", "name=numbers", "filename=" + recording);
        } finally {
            run(jdkTool("jcmd"), pid, "JFR.stop", "name=numbers");
        }
        assertTrue(Files.size(recording) > 0, "empty recording");

        String summary = run(jdkTool("jfr"), "summary", recording.toString());
        assertTrue(count(summary, "jdk.ExecutionSample") > 0, "no CPU samples in\n" + summary);
        String samples = run(jdkTool("jfr"), "print", "--events", "jdk.ExecutionSample", recording.toString());
        assertTrue(samples.contains("stackTrace = ["), samples.substring(0, Math.min(2_000, samples.length())));
    }

    @Test
    void writesAHeapDumpWithJcmd() throws Exception {
        Path dump = dir.resolve("numbers.hprof");
        run(jdkTool("jcmd"), pid, "GC.heap_dump", dump.toString());
        byte[] magic = new byte[18];
        try (InputStream in = Files.newInputStream(dump)) {
            assertEquals(magic.length, in.readNBytes(magic, 0, magic.length));
        }
        assertEquals("JAVA PROFILE 1.0.2", new String(magic, StandardCharsets.US_ASCII));
        assertTrue(Files.size(dump) > 1_000_000, "heap dump of " + Files.size(dump) + " bytes");
        String histogram = run(jdkTool("jcmd"), pid, "GC.class_histogram");
        assertTrue(histogram.contains(NumbersService.class.getName()), "no service instance in the class histogram");
    }

    @Test
    void printsAThreadDumpWithJcmd() throws Exception {
        String threads = run(jdkTool("jcmd"), pid, "Thread.print", "-l");
        assertTrue(threads.contains("\"numbers-client-"), "no upstream client thread in\n" + threads);
        assertTrue(threads.contains("java.lang.Thread.State:"), threads);
    }

    // ---- helpers ----

    private static Path jdkTool(String name) {
        Path tool = Path.of(System.getProperty("java.home"), "bin", name);
        assumeTrue(Files.isExecutable(tool), "no " + tool + " (a JRE without the JDK tools)");
        return tool;
    }

    /** Runs a JDK tool, fails unless it exits 0 within 60 s, and returns what it printed. */
    private static String run(Path tool, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(tool.toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output;
        try (InputStream in = process.getInputStream()) {
            output = in.readAllBytes();
        }
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        String text = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), String.join(" ", command) + " failed:\n" + text);
        return text;
    }

    private static long count(String summary, String event) {
        Matcher m = SUMMARY_LINE.matcher(summary);
        while (m.find()) {
            if (m.group(1).equals(event)) {
                return Long.parseLong(m.group(2));
            }
        }
        return 0;
    }
}
