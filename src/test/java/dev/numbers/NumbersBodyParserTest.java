package dev.numbers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NumbersBodyParserTest {

    private final NumbersBodyParser parser = NumbersBodyParser.withLimit(1000);

    private long[] parse(String body) {
        return parser.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsTheNumbersInOrderWithRepetitions() {
        assertArrayEquals(new long[] {3, 1, 3, -7, 0}, parse("{\"numbers\":[3,1,3,-7,0]}"));
    }

    @Test
    void matchesTheMemberCaseInsensitivelyAndSkipsUnknownMembers() {
        assertArrayEquals(new long[] {2, 3}, parse("{\"a\":{\"numbers\":[9]},\"Numbers\":[2,3],\"b\":[1.5,\"x\"]}"));
        assertArrayEquals(new long[] {}, parse(" {\"NUMBERS\":[]} "));
    }

    @Test
    void acceptsTheWholeLongRange() {
        assertArrayEquals(new long[] {Long.MIN_VALUE, Long.MAX_VALUE},
                parse("{\"numbers\":[-9223372036854775808,9223372036854775807]}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "x", "[]", "{}", "{\"numbers\":[1]", "{\"numbers\":[1]}{}", "{\"numbers\":null}",
            "{\"numbers\":1}", "{\"numbers\":[1.5]}", "{\"numbers\":[1.0]}", "{\"numbers\":[\"2\"]}",
            "{\"numbers\":[null]}", "{\"numbers\":[1e20]}", "{\"numbers\":[1E2]}", "{\"numbers\":[9223372036854775808]}",
            "{\"numbers\":[-9223372036854775809]}", "{\"numbers\":[true]}", "{\"numbers\":[[1]]}", "{numbers:[1]}",
            "{\"numbers\":[1],\"NUMBERS\":[2]}", "{\"numbers\":[-]}", "{\"numbers\":[+1]}", "{\"numbers\":[0x10]}"})
    void rejectsAnyBodyOutsideTheContract(String body) {
        assertThrows(NumbersBodyParser.InvalidBodyException.class, () -> parse(body));
    }

    @Test
    void rejectsMoreNumbersThanTheLimit() {
        NumbersBodyParser three = NumbersBodyParser.withLimit(3);
        assertArrayEquals(new long[] {1, 2, 3}, three.parse("{\"numbers\":[1,2,3]}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(NumbersBodyParser.InvalidBodyException.class,
                () -> three.parse("{\"numbers\":[1,2,3,4]}".getBytes(StandardCharsets.UTF_8)));
    }
}
