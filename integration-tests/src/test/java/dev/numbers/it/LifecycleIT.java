package dev.numbers.it;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
 *   <li>A request in flight when the container is asked to stop (Jetty: SIGTERM; Tomcat: the shutdown port,
 *       as {@code bin/shutdown.sh}) still gets its complete answer; the process exits; Tomcat's logs hold no
 *       leak warning and no SEVERE.</li>
 * </ol>
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
    void requestInFlightAtStopGetsItsCompleteAnswer() throws Exception {
        String query = "/numbers?u=" + enc(up.url("/primes")) + "&u=" + enc(up.url("/slow?id=graceful"));
        long t0 = System.nanoTime();
        CompletableFuture<HttpResponse<String>> inFlight = Http.CLIENT.sendAsync(
                Http.request(container.uri(query)).timeout(Duration.ofSeconds(15)).build(),
                HttpResponse.BodyHandlers.ofString());
        // The service is aggregating once it has called the slow upstream (which sleeps 3 s):
        // its answer is due at the budget (500 ms), with the fast upstream's numbers.
        assertTrue(up.awaitSlowHit("graceful", 5_000), "the service never called the slow upstream");
        container.requestStop();
        long stopAt = System.nanoTime();

        HttpResponse<String> r = inFlight.get(15, TimeUnit.SECONDS);
        System.out.printf("[it] %s: in-flight answer %d ms after the request, %d ms after the stop request: %s%n",
                container.name(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopAt), r.body());
        assertEquals(list(FakeUpstreams.PRIMES), numbers(r));

        assertTrue(container.awaitExit(Duration.ofSeconds(30)), () -> container.name()
                + " did not exit within 30 s of the stop request:\n" + container.logs());
        System.out.printf("[it] %s exited with %d%n", container.name(), container.process.exitValue());

        if (container instanceof JettyContainer) {
            // jetty-base's access log (requestlog module) records the answer, its format ending with the time
            // taken in ms. (Tomcat's stock AccessLogValve does not record an asynchronous request that completes
            // while the engine stops: not asserted there.)
            Pattern accessLog = Pattern.compile(
                    "\"GET /numbers\\?u=[^\" ]*slow%3Fid%3Dgraceful HTTP/1\\.1\" 200 \\d+ \"[^\"]*\" \"[^\"]*\" \\d+$",
                    Pattern.MULTILINE);
            assertTrue(accessLog.matcher(container.logs()).find(),
                    () -> "no access log line matching " + accessLog + ":\n" + container.logs());
        }

        if (container instanceof TomcatContainer tomcat) {
            String logs = tomcat.logs();
            assertTrue(logs.contains("Stopping service"), () -> "Tomcat logged no stop:\n" + logs);
            assertFalse(logs.contains(TOMCAT_LEAK), () -> "thread leak:\n" + logs);
            assertFalse(logs.contains("SEVERE"), () -> "SEVERE in Tomcat's logs:\n" + logs);
        }
    }

    // ---------------------------------------------------------------- helpers

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
