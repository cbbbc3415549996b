package dev.numbers.it;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the build tells the integration tests (Failsafe {@code systemPropertyVariables}).
 */
final class ItConfig {

    /** Setting given to the container JVM as a system property (both containers). */
    static final int MAX_URLS = 5;

    /** Setting given to the container as an environment variable (both containers). */
    static final String ALLOWED_NETWORKS = "127.0.0.0/8,::1/128";

    /** The drain period after SIGTERM, short so that stopping adds little to the run (environment variable). */
    static final java.time.Duration DRAIN_PERIOD = java.time.Duration.ofSeconds(2);

    private ItConfig() {
    }

    static String container() {
        return required("it.container");
    }

    static Path war() {
        return existing("it.war");
    }

    static Path jettyHome() {
        return existing("it.jettyHome");
    }

    static Path jettyBase() {
        return existing("it.jettyBase");
    }

    static Path tomcatHome() {
        return existing("it.tomcatHome");
    }

    /** A scratch folder of this execution, under the build directory. */
    static Path workDir() {
        return Path.of(required("it.workDir")).toAbsolutePath();
    }

    /** The JDK that runs the containers: JAVA_HOME, else the one running the tests. */
    static Path javaHome() {
        String env = System.getenv("JAVA_HOME");
        if (env != null && !env.isBlank() && Files.isExecutable(Path.of(env, "bin", "java"))) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("java.home"));
    }

    private static String required(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("System property " + name
                    + " is not set: run the ITs through `mvn verify` (Failsafe sets it)");
        }
        return value;
    }

    private static Path existing(String name) {
        Path path = Path.of(required(name)).toAbsolutePath();
        if (!Files.exists(path)) {
            throw new IllegalStateException(name + " points to a missing path: " + path);
        }
        return path;
    }
}
