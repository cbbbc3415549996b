package dev.numbers.answer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.ConcurrentSkipListSet;
import org.junit.jupiter.api.Test;

class NumbersAnswerTest {

    @Test
    void rendersAnAscendingSetAsTheAnswer() {
        assertEquals("{\"numbers\":[-3,0,5,9223372036854775807]}",
                NumbersAnswer.of(new ConcurrentSkipListSet<>(List.of(5L, -3L, 0L, Long.MAX_VALUE, 5L))).json());
        assertEquals("{\"numbers\":[]}", NumbersAnswer.of(new ConcurrentSkipListSet<>()).json());
    }

    @Test
    void writesCompletenessAsAStructuredFieldBooleanWithItsCounts() {
        assertEquals("?1;merged=4;upstreams=4", Completeness.of(4, 4));
        assertEquals("?0;merged=3;upstreams=4", Completeness.of(3, 4));
        assertEquals("?1;merged=0;upstreams=0", Completeness.of(0, 0));
    }
}
