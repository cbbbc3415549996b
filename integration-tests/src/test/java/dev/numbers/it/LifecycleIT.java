package dev.numbers.it;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.numbers.it.ContainerExtension.Http;
import static dev.numbers.it.ContainerExtension.enc;
import static dev.numbers.it.Json.list;
import static dev.numbers.it.Json.numbers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Undeploy and stop. Runs last (ClassOrderer.OrderAnnotation, set in the pom), since it stops the container.
 *
 * <ol>
 *   <li>The WAR is undeployed the way an operator does it, the container staying up (Jetty: its files removed
 *       from {@code webapps/}, picked up by the deployment scanner; Tomcat: {@code webapps/ROOT.war} removed,
 *       picked up by autoDeploy). Then a thread dump of the container JVM ({@code jcmd Thread.print}) must show
 *       no thread but the JVM's and the container's own, and Tomcat's logs must not contain "appears to have
 *       started a thread" (its own leak check at undeploy). The WAR is then deployed again.</li>
 *   <li>{@code SIGTERM} (both containers): {@code /health} answers {@code 503} at once while the connector still
 *       accepts new connections and {@code /numbers} still serves on them; the request in flight gets its complete
 *       answer; only after the drain period ({@link ItConfig#DRAIN_PERIOD}) is a connection refused; the process
 *       exits with 143, after the container's own stop has undeployed the service.</li>
 *   <li>Tomcat only, started again: a request in flight when it is asked to stop on its shutdown port (as
 *       {@code bin/shutdown.sh}, which does not drain) still gets its complete answer; the process exits.</li>
 * </ol>
 * After either stop, Jetty's access log holds the answer in flight, and Tomcat's logs hold no leak warning and no
 * SEVERE.
 */
@ExtendWith(ContainerExtension.class)
@Order(Integer.MAX_VALUE)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LifecycleIT {

    private static final Pattern JAVA_THREAD = Pattern.compile("^\"(.*)\" #\\d+", Pattern.MULTILINE);
    private static final String TOMCAT_LEAK = "appears to have started a thread";

    private final ServletContainer container = ContainerExtension.container();
    private final FakeUpstreams up = ContainerExtension.upstreams();

    @Test
    @Order(1)
    void undeployLeavesNoThreadBehind() throws Exception {
        Set<String> deployed = webappThreads(threadDump());
        System.out.printf("[it] %s: webapp threads while deployed: %s%n", container.name(), deployed);
        assertFalse(deployed.isEmpty(), "the thread dump shows no webapp thread while deployed, so the check "
                + "below would prove nothing; container threads: " + container.serverThreads());

        long t0 = System.nanoTime();
        container.undeploy();
        awaitStatus(404, Duration.ofSeconds(60));
        System.out.printf("[it] %s: undeployed after %d ms%n", container.name(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));

        Set<String> left = Set.of();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            left = webappThreads(threadDump());
            if (left.isEmpty()) {
                break;
            }
            Thread.sleep(250);
        }
        assertEquals(Set.of(), left, "threads left running after the webapp was undeployed");
        assertFalse(container.logs().contains(TOMCAT_LEAK), container::logs);

        container.redeploy();
        container.awaitReady();
        assertEquals(list(FakeUpstreams.PRIMES),
                numbers(Http.get(container, "/numbers?u=" + enc(up.url("/primes")))));
    }

    @Test
    @Order(2)
    void sigtermDrainsWhileTheConnectorAcceptsThenTheContainerStops() throws Exception {
        // The late upstream answers 300 ms after the service has called it, within the budget.
        CompletableFuture<HttpResponse<String>> inFlight = aggregating("/late", "drain");
        container.terminate();
        long sigterm = System.nanoTime();

        // At once: /health says draining, on a new connection; the connector accepts, and /numbers serves.
        Answer health = untilAnswered(h -> h.status() == 503, "/health");
        long healthMillis = millisSince(sigterm);
        assertEquals("{\"status\":\"draining\"}", health.body());
        Answer during = once("/numbers?u=" + enc(up.url("/primes")));
        long duringMillis = millisSince(sigterm);
        assertEquals(new Answer(200, "{\"numbers\":[2,3,5,7,11,13]}"), during, "/numbers " + duringMillis
                + " ms into the drain period");

        HttpResponse<String> r = inFlight.get(15, TimeUnit.SECONDS);
        System.out.printf("[it] %s: /health 503 after %d ms, /numbers 200 after %d ms; in-flight answer %d ms after "
                + "SIGTERM: %s%n", container.name(), healthMillis, duringMillis, millisSince(sigterm), r.body());
        assertEquals(list(2, 3, 5, 7, 11, 13, 300), numbers(r), "the answer in flight at SIGTERM, whole");

        // After the drain period the connector closes: a new connection is refused, never before the period.
        long refused = untilRefused(sigterm);
        System.out.printf("[it] %s: connection refused %d ms after SIGTERM (drain period %d ms)%n", container.name(),
                refused, ItConfig.DRAIN_PERIOD.toMillis());
        assertTrue(refused >= ItConfig.DRAIN_PERIOD.toMillis(), () -> "refused after " + refused
                + " ms, within the drain period:\n" + container.logs());

        assertTrue(container.awaitExit(Duration.ofSeconds(30)), () -> container.name()
                + " did not exit within 30 s of SIGTERM:\n" + container.logs());
        System.out.printf("[it] %s exited with %d, %d ms after SIGTERM%n", container.name(),
                container.process.exitValue(), millisSince(sigterm));
        assertEquals(128 + 15, container.process.exitValue(), "the exit status of a JVM ended by SIGTERM");

        // The container's own stop ran, after the drain.
        String logs = container.logs();
        int draining = logs.indexOf("numbers draining");
        int drained = logs.indexOf("numbers drained");
        String containerStop = container instanceof JettyContainer ? "Stopped oejs.Server" : "Stopping service";
        assertTrue(draining >= 0 && draining < drained && drained < logs.indexOf(containerStop, drained),
                () -> "expected the drain, then '" + containerStop + "':\n" + logs);
        assertContainerStoppedCleanly(logs, "late%3Fid%3Ddrain");
    }

    /**
     * The container's own stop request: Tomcat's shutdown port ({@code bin/shutdown.sh}), which stops at once without a
     * drain, and Jetty home's {@code SIGTERM}, which drains. Either way a request in flight gets its complete answer.
     */
    @Test
    @Order(3)
    void requestInFlightAtTheContainersStopRequestGetsItsCompleteAnswer() throws Exception {
        container.start();
        ContainerExtension.warmUp(container, up);
        // The slow upstream sleeps 3 s: the answer is due at the budget (500 ms), with the fast upstream's numbers.
        CompletableFuture<HttpResponse<String>> inFlight = aggregating("/slow", "graceful");
        container.requestStop();
        long stopAt = System.nanoTime();

        HttpResponse<String> r = inFlight.get(15, TimeUnit.SECONDS);
        System.out.printf("[it] %s: in-flight answer %d ms after the stop request: %s%n", container.name(),
                millisSince(stopAt), r.body());
        assertEquals(list(FakeUpstreams.PRIMES), numbers(r));

        assertTrue(container.awaitExit(Duration.ofSeconds(30)), () -> container.name()
                + " did not exit within 30 s of the stop request:\n" + container.logs());
        System.out.printf("[it] %s exited with %d%n", container.name(), container.process.exitValue());
        assertContainerStoppedCleanly(container.logs(), "slow%3Fid%3Dgraceful");
    }

    /**
     * Jetty: jetty-base's access log (requestlog module) records the answer to {@code upstreamInQuery}'s request, its
     * format ending with the time taken in ms. (Tomcat's stock AccessLogValve does not record an asynchronous request
     * that completes while the engine stops: not asserted there.) Tomcat: it logged its stop, no thread leak and no
     * SEVERE.
     */
    private void assertContainerStoppedCleanly(String logs, String upstreamInQuery) {
        if (container instanceof JettyContainer) {
            Pattern accessLog = Pattern.compile("\"GET /numbers\\?u=[^\" ]*" + Pattern.quote(upstreamInQuery)
                    + " HTTP/1\\.1\" 200 \\d+ \"[^\"]*\" \"[^\"]*\" \\d+$", Pattern.MULTILINE);
            assertTrue(accessLog.matcher(logs).find(), () -> "no access log line matching " + accessLog + ":\n" + logs);
        }
        if (container instanceof TomcatContainer) {
            assertTrue(logs.contains("Stopping service"), () -> "Tomcat logged no stop:\n" + logs);
            assertFalse(logs.contains(TOMCAT_LEAK), () -> "thread leak:\n" + logs);
            assertFalse(logs.contains("SEVERE"), () -> "SEVERE in Tomcat's logs:\n" + logs);
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Asks {@code /numbers} for {@code /primes} and {@code waitingUpstream?id=id}, one of the upstreams that wait
     * before they answer, and returns once the service has called the latter: the aggregation is in flight.
     */
    private CompletableFuture<HttpResponse<String>> aggregating(String waitingUpstream, String id) throws Exception {
        String query = "/numbers?u=" + enc(up.url("/primes")) + "&u=" + enc(up.url(waitingUpstream + "?id=" + id));
        CompletableFuture<HttpResponse<String>> inFlight = Http.CLIENT.sendAsync(
                Http.request(container.uri(query)).timeout(Duration.ofSeconds(15)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(up.awaitHit(id, 5_000), "the service never called " + waitingUpstream);
        return inFlight;
    }

    /** The answer to one request on a new connection. */
    private record Answer(int status, String body) {
    }

    /**
     * {@code GET pathAndQuery} on a new connection, closed after the answer, with explicit timeouts.
     *
     * @throws ConnectException when the connector refuses the connection
     * @throws IOException      when the connection ends without an answer, or does not answer within 5 s
     */
    private Answer once(String pathAndQuery) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), container.httpPort), 2_000);
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int headEnd = text.indexOf("\r\n\r\n");
            if (!text.startsWith("HTTP/1.1 ") || headEnd < 0) {
                throw new IOException("no answer: '" + text + "'");
            }
            return new Answer(Integer.parseInt(text.substring(9, 12)), text.substring(headEnd + 4));
        }
    }

    /** Asks on new connections until an answer matches, for 10 s at most. */
    private Answer untilAnswered(Predicate<Answer> wanted, String pathAndQuery) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Object last = "nothing";
        while (System.nanoTime() < deadline) {
            try {
                Answer answer = once(pathAndQuery);
                if (wanted.test(answer)) {
                    return answer;
                }
                last = answer;
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(pathAndQuery + " never answered as expected; last: " + last + "\n"
                + container.logs());
    }

    /** Connects until a connection is refused, for 30 s at most; returns when, in ms after {@code since}. */
    private long untilRefused(long since) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Object last = "nothing";
        while (System.nanoTime() < deadline) {
            try {
                last = once("/health");
            } catch (ConnectException refused) {
                return millisSince(since);
            } catch (IOException e) {
                last = e; // accepted, then closed or not answered: the container is stopping
            }
            Thread.sleep(50);
        }
        throw new AssertionError("connections still accepted 30 s after SIGTERM; last: " + last + "\n"
                + container.logs());
    }

    private static long millisSince(long nanoTime) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanoTime);
    }

    private void awaitStatus(int status, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = Http.get(container, "/numbers").statusCode();
            if (last == status) {
                return;
            }
            Thread.sleep(250);
        }
        fail("/numbers still answers " + last + " instead of " + status + " after " + timeout
                + ":\n" + container.logs());
    }

    private String threadDump() throws Exception {
        Path jcmd = ItConfig.javaHome().resolve("bin").resolve("jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(container.pid()), "Thread.print")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "jcmd hung");
        assertEquals(0, p.exitValue(), () -> "jcmd failed: " + out);
        return out;
    }

    /** Java threads of the dump that are neither the JVM's nor the container's. */
    private Set<String> webappThreads(String dump) {
        Pattern server = container.serverThreads();
        Set<String> other = new LinkedHashSet<>();
        Matcher m = JAVA_THREAD.matcher(dump);
        while (m.find()) {
            if (!server.matcher(m.group(1)).matches()) {
                other.add(m.group(1));
            }
        }
        return other;
    }
}
