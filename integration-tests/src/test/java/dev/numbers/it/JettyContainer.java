package dev.numbers.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Pattern;

/**
 * The jetty-home unpacked by the build, started with a copy of the repository's {@code jetty-base/}.
 *
 * <p>The layout under the work folder mirrors the repository, so the base's own
 * {@code webapps/numbers.xml} (which points at {@code ${jetty.base}/../target/numbers.war}) is used unchanged:
 * <pre>
 *   work/jetty-base/        copy of the repository's jetty-base
 *   work/target/numbers.war the packaged WAR
 * </pre>
 * Only command-line properties are added: loopback host, a free port, and hot deployment
 * ({@code jetty.deploy.scanInterval=1}) so that {@link LifecycleIT} can undeploy and redeploy.
 */
final class JettyContainer extends ServletContainer {

    JettyContainer(Path workDir) throws IOException {
        super(workDir);
    }

    @Override
    String name() {
        return "jetty";
    }

    Path base() {
        return workDir.resolve("jetty-base");
    }

    Path contextXml() {
        return base().resolve("webapps").resolve("numbers.xml");
    }

    @Override
    protected ProcessBuilder command() throws IOException {
        copyTree(ItConfig.jettyBase(), base());
        // The repository's jetty-base/logs may hold logs of manual runs: start from an empty folder.
        deleteRecursively(base().resolve("logs"));
        Files.createDirectories(base().resolve("logs"));
        Files.createDirectories(workDir.resolve("target"));
        Files.copy(ItConfig.war(), workDir.resolve("target").resolve("numbers.war"),
                StandardCopyOption.REPLACE_EXISTING);
        Path tmp = Files.createDirectories(workDir.resolve("tmp"));
        return new ProcessBuilder(
                java(),
                // Setting given as a JVM system property (the middle-priority source).
                "-Dnumbers.maxUrls=" + ItConfig.MAX_URLS,
                "-Djava.io.tmpdir=" + tmp,
                "-jar", ItConfig.jettyHome().resolve("start.jar").toString(),
                "jetty.home=" + ItConfig.jettyHome(),
                "jetty.base=" + base(),
                "jetty.http.host=127.0.0.1",
                "jetty.http.port=" + httpPort,
                "jetty.deploy.scanInterval=1");
    }

    /** SIGTERM: Jetty home has no other way to stop in the repository's jetty-base. */
    @Override
    void requestStop() {
        terminate();
    }

    /** Removes the app's files from webapps/ (the properties first, then the XML); the scanner undeploys it. */
    @Override
    void undeploy() throws IOException {
        Path parked = Files.createDirectories(workDir.resolve("parked"));
        Path webapps = contextXml().getParent();
        Files.move(webapps.resolve("numbers.properties"), parked.resolve("numbers.properties"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.move(webapps.resolve("numbers.xml"), parked.resolve("numbers.xml"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** Puts the files back (the XML first); the scanner deploys the app again. */
    @Override
    void redeploy() throws IOException {
        Path parked = workDir.resolve("parked");
        Path webapps = contextXml().getParent();
        Files.move(parked.resolve("numbers.xml"), webapps.resolve("numbers.xml"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(parked.resolve("numbers.properties"), webapps.resolve("numbers.properties"),
                StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    Pattern serverThreads() {
        return Pattern.compile(String.join("|", JVM_THREADS, "JettyShutdownThread",
                "qtp\\d+-\\d+.*", "Scheduler-\\d+-\\d+", "Scanner-\\d+-\\d+", "Connector-Scheduler.*",
                "Session-HouseKeeper.*", "org\\.eclipse\\.jetty\\.util\\.RolloverFileOutputStream",
                "AsyncRequestLogWriter@\\p{XDigit}+"));
    }

    @Override
    String logs() {
        return "==> console.log <==\n" + read(consoleLog()) + "\n" + readAll(base().resolve("logs"));
    }
}
