package dev.numbers.bench;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

/**
 * Checks one 200 answer of {@code /numbers} against the request's plan. Pure: no I/O, no clock, no shared state.
 * The rules are those of the shared Go loadgen: valid JSON object with a {@code numbers} array of 64-bit integers,
 * strictly ascending, no number that none of the requested upstreams could have sent; in set mode each /set/{k}
 * is merged whole or not at all, the shared number 7 is present iff some set is, sets with delay ≤ budget−30 ms
 * must be present ("expected"), sets with delay ≥ budget+20 ms must not ("impossible"), 503 sets never. In big
 * mode (overlapping ranges from /big) each upstream is likewise merged whole or not at all.
 * <p>
 * One deliberate difference: the member name must be exactly {@code numbers} (Go's decoder matches it
 * case-insensitively), since the service's contract spells it so.
 */
final class AnswerValidator {

    /** Number of 50 ms delay buckets for "present by delay" (the last one is 550+). */
    static final int DELAY_BUCKETS = 12;

    /** The outcome of one answer. {@code invalid == null} means valid. */
    static final class Verdict {
        String invalid;
        int count;
        boolean foreign;
        boolean shared7Mismatch;
        long partial;
        long expSets;
        long expFull;
        long impossible;
        long errorSetsIncluded;
        final long[][] presentByDelay = new long[DELAY_BUCKETS][2];

        boolean valid() {
            return invalid == null;
        }
    }

    private AnswerValidator() {
    }

    /** Parses {@code {"numbers":[…]}}; returns null (and sets v.invalid) when it is not such an object. */
    static long[] parse(byte[] body, Verdict v) {
        try (JsonReader r = new JsonReader(new InputStreamReader(new ByteArrayInputStream(body), StandardCharsets.UTF_8))) {
            r.setStrictness(com.google.gson.Strictness.STRICT);
            if (r.peek() != JsonToken.BEGIN_OBJECT) {
                v.invalid = "invalid_json";
                return null;
            }
            r.beginObject();
            long[] nums = null;
            while (r.hasNext()) {
                String name = r.nextName();
                if (name.equals("numbers") && nums == null) {
                    if (r.peek() != JsonToken.BEGIN_ARRAY) {
                        v.invalid = "no_numbers";
                        r.skipValue();
                        continue;
                    }
                    nums = readLongs(r, v);
                    if (nums == null) return null;
                } else {
                    r.skipValue();
                }
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT) {
                v.invalid = "invalid_json";
                return null;
            }
            if (nums == null && v.invalid == null) v.invalid = "no_numbers";
            return v.invalid == null ? nums : null;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            if (v.invalid == null) v.invalid = "invalid_json";
            return null;
        }
    }

    private static long[] readLongs(JsonReader r, Verdict v) throws IOException {
        long[] a = new long[64];
        int n = 0;
        r.beginArray();
        while (r.hasNext()) {
            if (r.peek() != JsonToken.NUMBER) {
                v.invalid = "not_integer";
                return null;
            }
            String s = r.nextString();
            long x;
            try {
                x = Long.parseLong(s);
            } catch (NumberFormatException e) {
                v.invalid = "not_integer";
                return null;
            }
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = x;
        }
        r.endArray();
        return Arrays.copyOf(a, n);
    }

    /** Validates a 200 answer's body against its plan. */
    static Verdict validate(byte[] body, Plans.Plan plan, Plans.Builder ctx) {
        Verdict v = new Verdict();
        long[] nums = parse(body, v);
        if (nums == null) return v;
        v.count = nums.length;
        boolean unsorted = false;
        for (int i = 1; i < nums.length; i++) {
            if (nums[i] <= nums[i - 1]) {
                unsorted = true;
                break;
            }
        }
        switch (ctx.mode) {
            case SET: checkSets(nums, plan.sets(), v); break;
            case BIG: checkBig(nums, unsorted, plan.bigStarts(), ctx.bigN, v); break;
            default:
                for (long n : nums) {
                    if (!ctx.classicAllowed.contains(n)) {
                        v.foreign = true;
                        break;
                    }
                }
        }
        if (unsorted) v.invalid = "unsorted_or_dup";
        else if (v.foreign) v.invalid = "foreign_number";
        else if (v.shared7Mismatch) v.invalid = "shared7_mismatch";
        else if (v.partial > 0) v.invalid = "partial_set";
        return v;
    }

    private static void checkSets(long[] nums, List<Plans.SetInfo> sets, Verdict v) {
        int[] masks = new int[sets.size()];
        boolean has7 = false;
        long base = sets.get(0).k();
        for (long n : nums) {
            if (n == FakeUpstream.SHARED_NUMBER) {
                has7 = true;
                continue;
            }
            long k = n / 1000;
            long r = n % 1000;
            long p = k - base;
            if (r < 1 || r > 3 || p < 0 || p >= sets.size()) {
                v.foreign = true;
                continue;
            }
            masks[(int) p] |= 1 << (r - 1);
        }
        boolean any = false;
        for (int p = 0; p < sets.size(); p++) {
            Plans.SetInfo s = sets.get(p);
            boolean full = masks[p] == 7;
            if (masks[p] != 0) {
                any = true;
                if (!full) v.partial++;
            }
            if (s.expected()) {
                v.expSets++;
                if (full) v.expFull++;
            }
            if (masks[p] != 0 && s.impossible()) v.impossible++;
            if (masks[p] != 0 && s.status() != 200) v.errorSetsIncluded++;
            if (s.status() == 200) {
                int b = Math.min(s.delayMs() / 50, DELAY_BUCKETS - 1);
                v.presentByDelay[b][1]++;
                if (full) v.presentByDelay[b][0]++;
            }
        }
        v.shared7Mismatch = has7 != any;
    }

    /** Big mode: upstream j sends the range [start_j, start_j + n); every one is expected (no delay). */
    private static void checkBig(long[] nums, boolean unsorted, long[] starts, int n, Verdict v) {
        if (unsorted) return; // counting by binary search needs a sorted answer; it is invalid anyway
        boolean[] full = new boolean[starts.length];
        for (int j = 0; j < starts.length; j++) {
            int lo = lowerBound(nums, starts[j]);
            int hi = lowerBound(nums, starts[j] + n);
            full[j] = hi - lo == n;
            v.expSets++;
            if (full[j]) v.expFull++;
        }
        for (long x : nums) {
            boolean inAny = false;
            boolean inFull = false;
            for (int j = 0; j < starts.length; j++) {
                if (x >= starts[j] && x < starts[j] + n) {
                    inAny = true;
                    inFull |= full[j];
                }
            }
            if (!inAny) {
                v.foreign = true;
                return;
            }
            if (!inFull) {
                v.partial++;
                return;
            }
        }
    }

    static int lowerBound(long[] a, long key) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < key) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
