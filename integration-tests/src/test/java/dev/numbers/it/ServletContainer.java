package dev.numbers.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A servlet container running the packaged WAR as a child process of the test JVM.
 * Started once per Failsafe execution (see {@link ContainerExtension}); stopped (and Tomcat started
 * again) by {@link LifecycleIT}, by {@link #close()} at the end of the run, or by a JVM shutdown hook.
 */
abstract class ServletContainer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    protected final Path workDir;
    protected final int httpPort;
    protected Process process;
    private final Thread shutdownHook = new Thread(this::kill, "it-container-killer");
    private boolean hookAdded;

    protected ServletContainer(Path workDir) throws IOException {
        this.workDir = workDir;
        this.httpPort = freePort();
        deleteRecursively(workDir);
        Files.createDirectories(workDir);
    }

    static ServletContainer forName(String name, Path workDir) throws IOException {
        return switch (name) {
            case "jetty" -> new JettyContainer(workDir);
            case "tomcat" -> new TomcatContainer(workDir);
            default -> throw new IllegalArgumentException("unknown container " + name);
        };
    }

    abstract String name();

    /** The command line and environment that start the container; the working directory is {@link #workDir}. */
    protected abstract ProcessBuilder command() throws IOException;

    /** Asks the container to stop the way an operator would (SIGTERM, Tomcat's shutdown port). */
    abstract void requestStop() throws IOException;

    /** SIGTERM, what systemd, docker and Kubernetes send: the service drains, then the container stops. */
    void terminate() {
        process.destroy();
    }

    /** Everything the container wrote: console and log files. */
    abstract String logs();

    /** Undeploys the WAR the way an operator would, without stopping the container. */
    abstract void undeploy() throws IOException;

    /** Deploys the WAR again after {@link #undeploy()}. */
    abstract void redeploy() throws IOException;

    /** Names of the threads of the JVM and of the container itself (not of the webapp). */
    abstract java.util.regex.Pattern serverThreads();

    /** Threads of every JVM on HotSpot/OpenJDK 17+. */
    static final String JVM_THREADS = String.join("|",
            "Reference Handler", "Finalizer", "Signal Dispatcher", "Service Thread", "Monitor Deflation Thread",
            "C\\d CompilerThread\\d+", "Sweeper thread", "Notification Thread", "Common-Cleaner",
            "Attach Listener", "DestroyJavaVM", "process reaper", "Keep-Alive-Timer", "Cleaner-\\d+");

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + httpPort + pathAndQuery);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    Path consoleLog() {
        return workDir.resolve("console.log");
    }

    final void start() throws IOException, InterruptedException {
        ProcessBuilder pb = command();
        pb.directory(workDir.toFile());
        Map<String, String> env = pb.environment();
        // Setting given as an environment variable (the highest-priority source).
        env.put("NUMBERS_ALLOWED_NETWORKS", ItConfig.ALLOWED_NETWORKS);
        env.put("NUMBERS_DRAIN_PERIOD", ItConfig.DRAIN_PERIOD.toMillis() + "ms");
        pb.redirectErrorStream(true);
        pb.redirectOutput(consoleLog().toFile());
        System.out.printf("[it] starting %s on port %d: %s%n", name(), httpPort, String.join(" ", pb.command()));
        long t0 = System.nanoTime();
        process = pb.start();
        if (!hookAdded) {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
            hookAdded = true;
        }
        awaitReady();
        System.out.printf("[it] %s (pid %d) answers /numbers after %d ms%n",
                name(), process.pid(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** Polls {@code GET /numbers} until it answers 200. */
    void awaitReady() throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name() + " exited with " + process.exitValue()
                        + " before it served /numbers:\n" + logs());
            }
            try {
                HttpResponse<String> r = client.send(
                        HttpRequest.newBuilder(uri("/numbers")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(name() + " did not serve /numbers within " + START_TIMEOUT
                + " (last: " + last + "):\n" + logs());
    }

    /** Waits for the process to end; true if it did within the timeout. */
    boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops the container if still running: politely, then forcibly. */
    @Override
    public void close() {
        if (isAlive()) {
            System.out.printf("[it] stopping %s (pid %d)%n", name(), process.pid());
            try {
                requestStop();
            } catch (IOException e) {
                process.destroy();
            }
            try {
                if (!awaitExit(Duration.ofSeconds(30))) {
                    kill();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill();
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // JVM already shutting down
        }
    }

    private void kill() {
        if (process != null && process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    // ---------------------------------------------------------------- helpers

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Concatenates the files of a folder (non-recursive), each under a header line. */
    static String readAll(Path dir) {
        if (!Files.isDirectory(dir)) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> sorted = new ArrayList<>(files.filter(Files::isRegularFile).toList());
            sorted.sort(Comparator.naturalOrder());
            for (Path f : sorted) {
                sb.append("==> ").append(f.getFileName()).append(" <==\n").append(read(f)).append('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sb.toString();
    }

    static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static String java() {
        return ItConfig.javaHome().resolve("bin").resolve("java").toString();
    }
}
