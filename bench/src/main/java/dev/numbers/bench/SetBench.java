package dev.numbers.bench;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * Merging the large-payload scenario's numbers (3 upstreams × 300 000) three ways, rendered to JSON text each time:
 * into a {@link ConcurrentSkipListSet} in arrival order, into the same set after sorting each upstream, and as
 * per-upstream sorted arrays merged and de-duplicated once. Prints the time of each, eight rounds.
 * {@code java -Xmx256m -cp bench/target/numbers-bench.jar dev.numbers.bench.SetBench}
 */
public final class SetBench {

    private SetBench() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
        Random random = new Random(1);
        long[][] upstreams = new long[3][n];
        for (long[] upstream : upstreams) {
            for (int i = 0; i < n; i++) {
                upstream[i] = random.nextLong() % 10_000_000L;
            }
        }
        for (int round = 0; round < 8; round++) {
            long t0 = System.nanoTime();
            String arrival = render(skipList(upstreams, false));
            long t1 = System.nanoTime();
            String sorted = render(skipList(upstreams, true));
            long t2 = System.nanoTime();
            String merged = mergeSortedArrays(upstreams);
            long t3 = System.nanoTime();
            System.out.printf("round %d: skip list, arrival order %d ms; skip list, sorted per upstream %d ms; "
                    + "sorted arrays merged once %d ms; same answers: %b%n", round, (t1 - t0) / 1_000_000,
                    (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000, arrival.equals(sorted) && sorted.equals(merged));
        }
    }

    private static ConcurrentSkipListSet<Long> skipList(long[][] upstreams, boolean sortFirst) {
        ConcurrentSkipListSet<Long> set = new ConcurrentSkipListSet<>();
        for (long[] upstream : upstreams) {
            long[] values = upstream.clone();
            if (sortFirst) {
                Arrays.sort(values);
            }
            for (long v : values) {
                set.add(v);
            }
        }
        return set;
    }

    private static String render(Iterable<Long> ascending) {
        StringBuilder json = new StringBuilder();
        for (long v : ascending) {
            json.append(v).append(',');
        }
        return json.toString();
    }

    private static String mergeSortedArrays(long[][] upstreams) {
        int total = 0;
        for (long[] upstream : upstreams) {
            total += upstream.length;
        }
        long[] all = new long[total];
        int at = 0;
        for (long[] upstream : upstreams) {
            long[] sorted = upstream.clone();
            Arrays.sort(sorted);
            System.arraycopy(sorted, 0, all, at, sorted.length);
            at += sorted.length;
        }
        Arrays.sort(all);
        StringBuilder json = new StringBuilder();
        for (int i = 0; i < all.length; i++) {
            if (i == 0 || all[i] != all[i - 1]) {
                json.append(all[i]).append(',');
            }
        }
        return json.toString();
    }
}
