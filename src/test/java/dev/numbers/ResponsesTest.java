package dev.numbers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.ConcurrentSkipListSet;
import org.junit.jupiter.api.Test;

class ResponsesTest {

    @Test
    void rendersAnAscendingSetAsTheAnswer() {
        assertEquals("{\"numbers\":[-3,0,5,9223372036854775807]}",
                NumbersAnswer.of(new ConcurrentSkipListSet<>(List.of(5L, -3L, 0L, Long.MAX_VALUE, 5L))).json());
        assertEquals("{\"numbers\":[]}", NumbersAnswer.of(new ConcurrentSkipListSet<>()).json());
    }

    @Test
    void rendersProblemsWithTheFourRfc9457Members() {
        assertEquals("{\"type\":\"urn:numbers:problem:method-not-allowed\",\"title\":\"Method not allowed\","
                + "\"status\":405,\"detail\":\"Method \\\"X\\\" is not supported; use GET or HEAD\"}",
                Problem.methodNotAllowed("\"X\"").json());
    }
}
