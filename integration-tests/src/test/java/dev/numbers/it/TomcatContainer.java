package dev.numbers.it;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The Apache Tomcat 10.1 unpacked by the build, unmodified, run with {@code bin/catalina.sh run}.
 *
 * <p>CATALINA_HOME is the pristine unpacked distribution; CATALINA_BASE is a work folder holding
 * the distribution's {@code conf/} (copied as is, except the two port numbers of {@code server.xml}:
 * HTTP 8080 and shutdown 8005 become free ports), empty {@code logs/ temp/ work/}, and
 * {@code webapps/ROOT.war} (the packaged WAR, so {@code /numbers} is at the root).
 */
final class TomcatContainer extends ServletContainer {

    private final int shutdownPort;

    TomcatContainer(Path workDir) throws IOException {
        super(workDir);
        this.shutdownPort = freePort();
    }

    @Override
    String name() {
        return "tomcat";
    }

    Path base() {
        return workDir.resolve("tomcat-base");
    }

    Path logDir() {
        return base().resolve("logs");
    }

    @Override
    protected ProcessBuilder command() throws IOException {
        Path home = ItConfig.tomcatHome();
        copyTree(home.resolve("conf"), base().resolve("conf"));
        Path serverXml = base().resolve("conf").resolve("server.xml");
        String xml = Files.readString(serverXml, StandardCharsets.UTF_8);
        String ported = xml
                .replace("<Server port=\"8005\"", "<Server port=\"" + shutdownPort + "\"")
                .replace("<Connector port=\"8080\"", "<Connector port=\"" + httpPort + "\"");
        if (ported.equals(xml) || ported.contains("<Server port=\"8005\"")
                || ported.contains("<Connector port=\"8080\"")) {
            throw new IllegalStateException("unexpected stock server.xml, cannot set the ports: " + serverXml);
        }
        Files.writeString(serverXml, ported, StandardCharsets.UTF_8);
        for (String dir : new String[] {"logs", "temp", "work", "webapps"}) {
            Files.createDirectories(base().resolve(dir));
        }
        Files.copy(ItConfig.war(), base().resolve("webapps").resolve("ROOT.war"),
                StandardCopyOption.REPLACE_EXISTING);

        ProcessBuilder pb = new ProcessBuilder("bash", home.resolve("bin").resolve("catalina.sh").toString(), "run");
        Map<String, String> env = pb.environment();
        env.put("CATALINA_HOME", home.toString());
        env.put("CATALINA_BASE", base().toString());
        env.put("JAVA_HOME", ItConfig.javaHome().toString());
        env.remove("JRE_HOME");
        env.remove("CATALINA_PID");
        env.remove("JAVA_OPTS");
        // Setting given as a JVM system property (the middle-priority source).
        env.put("CATALINA_OPTS", "-Dnumbers.maxUrls=" + ItConfig.MAX_URLS);
        return pb;
    }

    /** What {@code bin/shutdown.sh} does: the shutdown command on the shutdown port. */
    @Override
    void requestStop() throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), shutdownPort);
             OutputStream out = socket.getOutputStream()) {
            out.write("SHUTDOWN".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }

    private Path war() {
        return base().resolve("webapps").resolve("ROOT.war");
    }

    /** Removes webapps/ROOT.war: the stock Host (autoDeploy="true") undeploys ROOT within ~10 s. */
    @Override
    void undeploy() throws IOException {
        Path parked = Files.createDirectories(workDir.resolve("parked"));
        Files.move(war(), parked.resolve("ROOT.war"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** Puts webapps/ROOT.war back: autoDeploy deploys it again. */
    @Override
    void redeploy() throws IOException {
        Files.move(workDir.resolve("parked").resolve("ROOT.war"), war(), StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    Pattern serverThreads() {
        return Pattern.compile(String.join("|", JVM_THREADS, "main",
                "http-nio-\\d+-(exec-\\d+|Poller|Acceptor)", "Catalina-utility-\\d+", "container-\\d+",
                "AsyncFileHandlerWriter-\\d+", "FileHandlerLogFilesCleaner-\\d+"));
    }

    @Override
    String logs() {
        return "==> console.log <==\n" + read(consoleLog()) + "\n" + readAll(logDir());
    }
}
