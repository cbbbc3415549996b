package dev.numbers.upstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NumbersBodyParserTest {

    private final NumbersBodyParser parser = NumbersBodyParser.withLimit(1000);

    private long[] parse(String body) {
        return parser.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    private static NumbersBodyParser.Shape shape(String body) {
        return NumbersBodyParser.Shape.of(body.getBytes(StandardCharsets.UTF_8));
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
            "{\"numbers\":[1],\"NUMBERS\":[2]}", "{\"numbers\":[-]}", "{\"numbers\":[+1]}", "{\"numbers\":[0x10]}",
            "{\"numbers\":[01]}", "{\"numbers\":[-01]}", "{\"numbers\":[1 2]}", "{\"numbers\":[1,]}"})
    void rejectsAnyBodyOutsideTheContract(String body) {
        assertThrows(NumbersBodyParser.InvalidBodyException.class, () -> parse(body));
    }

    @Test
    void readsBodiesBelowAndAboveTheDecodeAtOnceSizeAlike() {
        // Small bodies are decoded at once, larger ones as they stream: both must read the same, including UTF-8
        // beyond ASCII in a skipped member and a malformed byte sequence (replaced, like any UTF-8 decoder does).
        for (int padding : new int[] {0, NumbersBodyParser.DECODE_AT_ONCE_BYTES}) {
            String body = "{\"note\":\"zählen ≠ \u00e9\u4e2d" + "x".repeat(padding) + "\",\"numbers\":[5,-1,5]}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            assertEquals(padding > 0, bytes.length > NumbersBodyParser.DECODE_AT_ONCE_BYTES);
            assertArrayEquals(new long[] {5, -1, 5}, parser.parse(bytes), "padding " + padding);

            byte[] malformed = Arrays.copyOf(bytes, bytes.length);
            malformed[10] = (byte) 0xC3; // a lead byte followed by an ASCII byte: one replacement character
            malformed[11] = 'a';
            assertArrayEquals(new long[] {5, -1, 5}, parser.parse(malformed), "padding " + padding);

            byte[] truncated = Arrays.copyOf(bytes, bytes.length - 1);
            assertThrows(NumbersBodyParser.InvalidBodyException.class, () -> parser.parse(truncated));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"numbers\":[3,1,-7,0]}", "{\"numbers\":[]}", "{\"numbers\":[-0,0]}",
            "{\"numbers\":[999999999999999999,-999999999999999999]}", "{\"note\":\"1.5e3 E.\",\"numbers\":[1]}",
            "{\"s\":\"a\\\"1.5\",\"numbers\":[1]}", "{\"s\":\"1234567890123456789\",\"numbers\":[1]}",
            "{\"numbers\":[-]}", "{\"numbers\":[01]}", "{\"numbers\":[\"2\"]}", "{\"numbers\":[null]}"})
    void readsWithoutAStringPerNumberABodyWhoseNumbersCanOnlyBeShortPlainIntegers(String body) {
        // Fractions, exponents and 19 digits or more only inside strings (names included): nextLong() is exact here.
        // The invalid ones among these are still rejected, by Gson's syntax or the element check.
        assertEquals(true, shape(body).onlyShortPlainIntegers(), body);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"numbers\":[1.5]}", "{\"numbers\":[1.0]}", "{\"numbers\":[1e2]}",
            "{\"numbers\":[1E2]}", "{\"numbers\":[1234567890123456789]}", "{\"numbers\":[-9223372036854775808]}",
            "{\"numbers\":[9223372036854775808]}", "{\"s\":\"\\\\\",\"numbers\":[1.0]}", "{\"numbers\":[1],\"n\":true}",
            "{numbers:[1]}"})
    void readsTheLiteralOfEachNumberWhenTheBodyMayHoldAnythingButShortPlainIntegers(String body) {
        // The escaped backslash ends with the string's closing quote: the 1.0 after it is outside a string.
        assertEquals(false, shape(body).onlyShortPlainIntegers(), body);
    }

    @Test
    void readsTheSameNumbersEitherWay() {
        // -0 is the one plain integer Gson does not read as a long at once (it keeps the sign for a double); it is 0.
        assertArrayEquals(new long[] {0, 0, 999_999_999_999_999_999L, -999_999_999_999_999_999L, 12},
                parse("{\"numbers\":[-0,0,999999999999999999,-999999999999999999,12]}"));
        assertArrayEquals(new long[] {0, 0, 999_999_999_999_999_999L, -999_999_999_999_999_999L, 12},
                parse("{\"numbers\":[-0,0,999999999999999999,-999999999999999999,12],\"note\":1.5}"));
    }

    @Test
    void countsTheElementsABodyCanHoldAtMostByItsCommasOutsideStrings() {
        assertEquals(1, shape("{\"numbers\":[]}").elementsAtMost());
        assertEquals(4, shape("{\"s\":\"a,\\\",b\",\"numbers\":[1,2,3]}").elementsAtMost());
        // An array sized by that bound is exact when the numbers are the body's only list, and never too small.
        assertArrayEquals(new long[] {1, 2, 3}, parse("{\"numbers\":[1,2,3]}"));
        assertArrayEquals(new long[] {1, 2, 3}, parse("{\"numbers\":[1,2,3],\"x\":[4,5,6,7,8]}"));
    }

    @Test
    void rejectsMoreNumbersThanTheLimit() {
        NumbersBodyParser three = NumbersBodyParser.withLimit(3);
        assertArrayEquals(new long[] {1, 2, 3}, three.parse("{\"numbers\":[1,2,3]}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(NumbersBodyParser.InvalidBodyException.class,
                () -> three.parse("{\"numbers\":[1,2,3,4]}".getBytes(StandardCharsets.UTF_8)));
    }
}
