package dev.numbers.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class AnswerValidatorTest {

    private static final String UP = "http://127.0.0.1:8090";

    private static Plans.Builder classic(String paths, int urls) {
        return new Plans.Builder(Plans.Mode.CLASSIC, "/numbers", UP, urls, paths, "uniform:0-550", 0, 500, 1, 0, 0);
    }

    private static AnswerValidator.Verdict check(String body, Plans.Plan plan, Plans.Builder b) {
        return AnswerValidator.validate(body.getBytes(StandardCharsets.UTF_8), plan, b);
    }

    @Test
    void classicValidAnswers() {
        Plans.Builder b = classic("primes,fibo", 2);
        Plans.Plan p = b.build(0);
        assertNull(check("{\"numbers\":[1,2,3,5,7,8,11,13,21]}", p, b).invalid);
        assertNull(check("{\"numbers\":[]}", p, b).invalid);
        assertNull(check(" {\"other\":{\"a\":[1]},\"numbers\":[2,3]} ", p, b).invalid);
        assertEquals(9, check("{\"numbers\":[1,2,3,5,7,8,11,13,21]}", p, b).count);
    }

    @Test
    void classicInvalidAnswers() {
        Plans.Builder b = classic("primes,fibo", 2);
        Plans.Plan p = b.build(0);
        assertEquals("unsorted_or_dup", check("{\"numbers\":[2,1]}", p, b).invalid);
        assertEquals("unsorted_or_dup", check("{\"numbers\":[1,1,2]}", p, b).invalid);
        assertEquals("foreign_number", check("{\"numbers\":[1,2,99]}", p, b).invalid);
        assertEquals("invalid_json", check("{\"numbers\":[1,2", p, b).invalid);
        assertEquals("invalid_json", check("[1,2]", p, b).invalid);
        assertEquals("invalid_json", check("{\"numbers\":[1]} trailing", p, b).invalid);
        assertEquals("invalid_json", check("", p, b).invalid);
        assertEquals("no_numbers", check("{\"Numbers\":[1,2]}", p, b).invalid);
        assertEquals("no_numbers", check("{\"numbers\":null}", p, b).invalid);
        assertEquals("not_integer", check("{\"numbers\":[1.5]}", p, b).invalid);
        assertEquals("not_integer", check("{\"numbers\":[\"2\"]}", p, b).invalid);
        assertEquals("not_integer", check("{\"numbers\":[9223372036854775808]}", p, b).invalid);
    }

    @Test
    void setPlansMatchTheGoLoadgen() {
        // k = idx*urls + j + 1 and the splitmix64 draws of the shared Go loadgen (seed 1)
        Plans.Builder b = new Plans.Builder(Plans.Mode.SET, "/numbers", UP, 4, "", "uniform:0-550", 0, 500, 1, 0, 0);
        Plans.Plan p = b.build(10);
        assertEquals(41, p.sets().get(0).k());
        assertEquals(44, p.sets().get(3).k());
        for (Plans.SetInfo s : p.sets()) {
            assertTrue(s.delayMs() >= 0 && s.delayMs() < 550);
            assertEquals(s.delayMs() <= 470, s.expected());
            assertEquals(s.delayMs() >= 520, s.impossible());
        }
        assertTrue(p.pathAndQuery().startsWith("/numbers?u=http%3A%2F%2F127.0.0.1%3A8090%2Fset%2F41%3Fdelay%3D"));
        // deterministic
        assertEquals(p.pathAndQuery(), b.build(10).pathAndQuery());
        // known value of the Go implementation's mix64(0)
        assertEquals(0xe220a8397b1dcdafL, Plans.mix64(0));
    }

    @Test
    void setModeCompletenessImpossibleAndPartial() {
        Plans.Builder b = new Plans.Builder(Plans.Mode.SET, "/numbers", UP, 3, "", "list:50,480,600", 0, 500, 1, 0, 0);
        Plans.Plan p = b.build(0); // k = 1, 2, 3 with delays 50, 480, 600
        AnswerValidator.Verdict v = check("{\"numbers\":[7,1001,1002,1003]}", p, b);
        assertNull(v.invalid);
        assertEquals(1, v.expSets);
        assertEquals(1, v.expFull);
        assertEquals(0, v.impossible);

        v = check("{\"numbers\":[7,1001,1002,1003,3001,3002,3003]}", p, b);
        assertNull(v.invalid);
        assertEquals(1, v.impossible);

        assertEquals("partial_set", check("{\"numbers\":[7,1001,1002]}", p, b).invalid);
        assertEquals("shared7_mismatch", check("{\"numbers\":[1001,1002,1003]}", p, b).invalid);
        assertEquals("shared7_mismatch", check("{\"numbers\":[7]}", p, b).invalid);
        assertEquals("foreign_number", check("{\"numbers\":[7,1001,1002,1003,4001]}", p, b).invalid);

        v = check("{\"numbers\":[]}", p, b);
        assertNull(v.invalid);
        assertEquals(1, v.expSets);
        assertEquals(0, v.expFull);
    }

    @Test
    void setModeErrorSets() {
        Plans.Builder b = new Plans.Builder(Plans.Mode.SET, "/numbers", UP, 2, "", "fixed:50", 1.0, 500, 1, 0, 0);
        Plans.Plan p = b.build(0);
        assertTrue(p.pathAndQuery().contains("status%3D503"));
        AnswerValidator.Verdict v = check("{\"numbers\":[7,1001,1002,1003]}", p, b);
        assertEquals(1, v.errorSetsIncluded);
        assertEquals(0, v.expSets);
    }

    @Test
    void bigMode() {
        Plans.Builder b = new Plans.Builder(Plans.Mode.BIG, "/numbers", UP, 3, "", "fixed:0", 0, 500, 1, 10, 100);
        Plans.Plan p = b.build(0); // ranges [100,110) [105,115) [110,120)
        assertEquals(List.of(100L, 105L, 110L), List.of(p.bigStarts()[0], p.bigStarts()[1], p.bigStarts()[2]));
        StringBuilder all = new StringBuilder("{\"numbers\":[");
        for (int i = 100; i < 120; i++) all.append(i == 100 ? "" : ",").append(i);
        AnswerValidator.Verdict v = check(all + "]}", p, b);
        assertNull(v.invalid);
        assertEquals(3, v.expFull);
        // only the first upstream
        StringBuilder first = new StringBuilder("{\"numbers\":[");
        for (int i = 100; i < 110; i++) first.append(i == 100 ? "" : ",").append(i);
        v = check(first + "]}", p, b);
        assertNull(v.invalid);
        assertEquals(1, v.expFull);
        assertEquals("partial_set", check("{\"numbers\":[100,101,102]}", p, b).invalid);
        assertEquals("foreign_number", check("{\"numbers\":[1,100]}", p, b).invalid);
        assertFalse(check("{\"numbers\":[101,100]}", p, b).valid());
    }

    @Test
    void fakeUpstreamBodies() {
        assertEquals("{\"numbers\":[7,5001,5002,5003]}\n",
                new String(FakeUpstream.body("numbers", FakeUpstream.setNumbers(5)), StandardCharsets.US_ASCII));
        long[] big = FakeUpstream.bigNumbers(1000, 50, 2, "shuffled");
        long[] sorted = big.clone();
        java.util.Arrays.sort(sorted);
        for (int i = 0; i < 1000; i++) assertEquals(50 + 2L * i, sorted[i]);
        assertFalse(java.util.Arrays.equals(big, sorted));
    }

    @Test
    void durations() {
        assertEquals(30_000, Durations.parseMillis("30s"));
        assertEquals(500, Durations.parseMillis("500ms"));
        assertEquals(120_000, Durations.parseMillis("2m"));
        assertEquals(1500, Durations.parseMillis("1.5s"));
        assertEquals(7000, Durations.parseMillis("7"));
        assertEquals("30s", Durations.format(30_000));
        assertEquals("250ms", Durations.format(250));
    }
}
