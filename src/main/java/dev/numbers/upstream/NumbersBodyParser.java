package dev.numbers.upstream;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads an upstream's body, {@code {"numbers":[…]}}, with Gson's streaming reader. One pass over the bytes before it
 * ({@link Shape}) only chooses how Gson reads the numbers and how large their array is.
 *
 * <p>The rules (docs/contract.md): the top level is one JSON object; exactly one member is named
 * {@code numbers} in any letter case (the classic server writes {@code Numbers}); it is an array whose every element
 * is a JSON number written as a plain integer that fits in a signed 64-bit long. Unknown members are skipped.
 * Anything else — malformed or trailing JSON, a missing, duplicated or non-array member, an element such as
 * {@code 1.5}, {@code 1e2}, {@code "2"}, {@code null} or {@code 9223372036854775808}, more than the configured number
 * of elements — rejects the whole body, so an upstream is merged whole or not at all.
 */
public final class NumbersBodyParser {

    private static final String MEMBER = "numbers";
    /** Bodies up to this size are decoded into one string before parsing; larger ones are decoded as they stream. */
    public static final int DECODE_AT_ONCE_BYTES = 8 * 1024;

    private final int maxNumbers;

    private NumbersBodyParser(int maxNumbers) {
        this.maxNumbers = maxNumbers;
    }

    /** A parser that rejects bodies of more than {@code maxNumbers} numbers. */
    public static NumbersBodyParser withLimit(int maxNumbers) {
        return new NumbersBodyParser(maxNumbers);
    }

    /**
     * Parses a complete body.
     *
     * @param body the decoded body bytes (JSON is UTF-8)
     * @return the numbers, in the upstream's order, possibly with repetitions
     * @throws InvalidBodyException when the body breaks any rule above
     */
    public long[] parse(byte[] body) {
        Shape shape = Shape.of(body);
        // A decoding reader allocates an 8 KiB byte buffer whatever the input; for the usual small body one decoded
        // string is far cheaper. Larger bodies stream, so a body is never held twice in memory. Both decoders replace
        // malformed UTF-8 alike.
        if (body.length <= DECODE_AT_ONCE_BYTES) {
            return parse(new StringReader(new String(body, StandardCharsets.UTF_8)), shape);
        }
        return parse(new InputStreamReader(new ByteArrayInputStream(body), StandardCharsets.UTF_8), shape);
    }

    private long[] parse(Reader body, Shape shape) {
        try (JsonReader reader = new JsonReader(body)) {
            reader.setStrictness(Strictness.STRICT);
            long[] numbers = null;
            reader.beginObject();
            while (reader.hasNext()) {
                if (MEMBER.equalsIgnoreCase(reader.nextName())) {
                    if (numbers != null) {
                        throw new InvalidBodyException("more than one member named numbers");
                    }
                    numbers = readArray(reader, shape);
                } else {
                    reader.skipValue();
                }
            }
            reader.endObject();
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new InvalidBodyException("content after the top-level object");
            }
            if (numbers == null) {
                throw new InvalidBodyException("no member named numbers");
            }
            return numbers;
        } catch (InvalidBodyException e) {
            throw e;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            // Gson reports malformed JSON as MalformedJsonException (an IOException) and unexpected tokens as
            // IllegalStateException; the stream cannot fail otherwise since it reads memory.
            throw new InvalidBodyException(e.getMessage());
        }
    }

    private long[] readArray(JsonReader reader, Shape shape) throws IOException {
        if (reader.peek() != JsonToken.BEGIN_ARRAY) {
            throw new InvalidBodyException("numbers is not an array");
        }
        // Sized once for the largest array the body can hold, where growing by doubling would allocate several times
        // the final size. The bound is maxNumbers: such an array needs a body of that many commas, and a body that is
        // then rejected (commas elsewhere, or malformed) costs up to that once, like a legitimate one.
        long[] numbers = new long[Math.min(maxNumbers, shape.elementsAtMost())];
        int count = 0;
        reader.beginArray();
        while (reader.hasNext()) {
            if (reader.peek() != JsonToken.NUMBER) {
                throw new InvalidBodyException("an element of numbers is not a number");
            }
            if (count == maxNumbers) {
                throw new InvalidBodyException("more than " + maxNumbers + " numbers");
            }
            if (count == numbers.length) {
                numbers = Arrays.copyOf(numbers, Math.min(maxNumbers, numbers.length * 2)); // only if malformed
            }
            // nextString() gives the literal as written; Long.parseLong accepts only a plain, in-range integer. Where
            // the body can hold nothing else (Shape), nextLong() reads the same value without a string: it is lax
            // only about fractions, exponents and out-of-range literals, and none of them is there.
            numbers[count++] = shape.onlyShortPlainIntegers()
                    ? reader.nextLong()
                    : Long.parseLong(reader.nextString());
        }
        reader.endArray();
        return count == numbers.length ? numbers : Arrays.copyOf(numbers, count);
    }

    /**
     * What one pass over a body's bytes tells before Gson reads it. The pass only chooses how to read the tokens and
     * how large an array to allocate; Gson still checks the syntax, so a malformed body, whose strings the pass may
     * misjudge, is rejected either way.
     *
     * @param onlyShortPlainIntegers no {@code .}, {@code e} or {@code E} and no run of more than 18 digits outside
     *                               strings: every number in the body is a plain integer that fits in a long, so
     *                               Gson's own integer reading ({@code nextLong}) is exact and the string per element
     *                               that the strict reading needs is saved
     * @param elementsAtMost         the commas outside strings, plus one: no array in the body has more elements
     */
    record Shape(boolean onlyShortPlainIntegers, int elementsAtMost) {

        /** Every integer of up to 18 digits fits in a long ({@code Long.MAX_VALUE} has 19). */
        private static final int MAX_SAFE_DIGITS = 18;

        static Shape of(byte[] body) {
            boolean plain = true;
            boolean inString = false;
            int digits = 0;
            int commas = 0;
            for (int i = 0; i < body.length; i++) {
                byte b = body[i];
                if (inString) {
                    if (b == '\\') {
                        i++; // the escaped byte cannot end the string
                    } else if (b == '"') {
                        inString = false;
                    }
                } else if (b >= '0' && b <= '9') {
                    plain &= ++digits <= MAX_SAFE_DIGITS;
                } else {
                    digits = 0;
                    if (b == ',') {
                        commas++;
                    } else if (b == '"') {
                        inString = true;
                    } else if (b == '.' || b == 'e' || b == 'E') {
                        plain = false;
                    }
                }
            }
            return new Shape(plain, commas + 1);
        }
    }

    /** A body that breaks the upstream contract; carries no stack trace since it is an expected outcome. */
    public static final class InvalidBodyException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        InvalidBodyException(String reason) {
            super(reason, null, false, false);
        }
    }
}
