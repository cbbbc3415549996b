package dev.numbers.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ProblemTest {

    @Test
    void rendersProblemsWithTheFourRfc9457Members() {
        assertEquals("{\"type\":\"urn:numbers:problem:method-not-allowed\",\"title\":\"Method not allowed\","
                + "\"status\":405,\"detail\":\"Method \\\"X\\\" is not supported; use GET or HEAD\"}",
                Problem.methodNotAllowed("\"X\"").json());
    }
}
