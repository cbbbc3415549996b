package dev.numbers.bench;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What request number {@code idx} asks for, and what a correct answer to it looks like. Request plans are
 * deterministic per (seed, idx) and, in set mode, identical to the shared Go loadgen's (same splitmix64 draws, same
 * {@code k = idx*urls + j + 1}), so both generators send the same load.
 */
final class Plans {

    enum Mode { CLASSIC, SET, BIG }

    /** One /set/{k} upstream of a request. */
    record SetInfo(long k, int delayMs, int status, boolean expected, boolean impossible) {
    }

    /** One request: its path+query and, per mode, what it may and must contain. */
    record Plan(long idx, String pathAndQuery, List<SetInfo> sets, long[] bigStarts) {
    }

    /** Per-URL delay distribution of set mode: uniform:A-B | fixed:MS | list:MS,MS,… | mix. */
    record DelaySpec(String kind, int a, int b, int[] list, String source) {

        static DelaySpec parse(String s) {
            String kind = s;
            String arg = "";
            int c = s.indexOf(':');
            if (c >= 0) {
                kind = s.substring(0, c);
                arg = s.substring(c + 1);
            }
            switch (kind) {
                case "uniform": {
                    int d = arg.indexOf('-');
                    if (d < 0) throw new IllegalArgumentException("bad uniform spec \"" + s + "\" (want uniform:A-B, A<B)");
                    int a = Integer.parseInt(arg.substring(0, d).trim());
                    int b = Integer.parseInt(arg.substring(d + 1).trim());
                    if (a < 0 || b <= a) throw new IllegalArgumentException("bad uniform spec \"" + s + "\" (want uniform:A-B, A<B)");
                    return new DelaySpec(kind, a, b, null, s);
                }
                case "fixed": {
                    int a = Integer.parseInt(arg.trim());
                    if (a < 0) throw new IllegalArgumentException("bad fixed spec \"" + s + "\"");
                    return new DelaySpec(kind, a, 0, null, s);
                }
                case "list": {
                    String[] f = arg.split(",");
                    int[] l = new int[f.length];
                    for (int i = 0; i < f.length; i++) {
                        l[i] = Integer.parseInt(f[i].trim());
                        if (l[i] < 0) throw new IllegalArgumentException("bad list spec \"" + s + "\"");
                    }
                    if (l.length == 0) throw new IllegalArgumentException("empty list spec");
                    return new DelaySpec(kind, 0, 0, l, s);
                }
                case "mix": // 60% uniform 0-300, 20% uniform 300-470, 20% uniform 600-900
                    return new DelaySpec(kind, 0, 0, null, s);
                default:
                    throw new IllegalArgumentException("unknown delay spec \"" + s + "\"");
            }
        }

        /** The delay of URL j of request idx, and a second uniform draw (for --set-errors); as the Go loadgen. */
        double[] draw(long seed, long idx, int j) {
            long h = mix64(seed ^ mix64(idx * 1315423911L + j));
            double u = unit(h);
            double u2 = unit(mix64(h));
            int d;
            switch (kind) {
                case "uniform": d = a + (int) (u * (b - a)); break;
                case "fixed": d = a; break;
                case "list": d = list[j % list.length]; break;
                case "mix": {
                    double v = unit(mix64(h ^ 0x5bd1e995L));
                    if (u < 0.6) d = (int) (v * 300);
                    else if (u < 0.8) d = 300 + (int) (v * 170);
                    else d = 600 + (int) (v * 300);
                    break;
                }
                default: d = 0;
            }
            return new double[] {d, u2};
        }
    }

    /** splitmix64 finalizer, bit-identical to the Go loadgen's mix64. */
    static long mix64(long x) {
        x += 0x9e3779b97f4a7c15L;
        x = (x ^ (x >>> 30)) * 0xbf58476d1ce4e5b9L;
        x = (x ^ (x >>> 27)) * 0x94d049bb133111ebL;
        return x ^ (x >>> 31);
    }

    static double unit(long x) {
        return (x >>> 11) / (double) (1L << 53);
    }

    /** Builds the plan of each request index. Immutable and thread-safe. */
    static final class Builder {
        final Mode mode;
        final String path;
        final String upstream;
        final int urls;
        final List<String> classicList;
        final Set<Long> classicAllowed;
        final DelaySpec delays;
        final double setErrors;
        final long budgetMs;
        final long seed;
        final int bigN;
        final long bigBase;

        Builder(Mode mode, String path, String upstream, int urls, String classicPaths, String delays, double setErrors,
                long budgetMs, long seed, int bigN, long bigBase) {
            this.mode = mode;
            this.path = path;
            this.upstream = upstream.replaceAll("/+$", "");
            this.urls = urls;
            this.delays = DelaySpec.parse(delays);
            this.setErrors = setErrors;
            this.budgetMs = budgetMs;
            this.seed = seed;
            this.bigN = bigN;
            this.bigBase = bigBase;
            List<String> cl = new ArrayList<>();
            Set<Long> allowed = new HashSet<>();
            for (String p : classicPaths.split(",")) {
                p = p.trim().replaceAll("^/+|/+$", "");
                if (p.isEmpty()) continue;
                long[] nums = FakeUpstream.CLASSIC.get("/" + p);
                if (nums == null) {
                    if (mode == Mode.CLASSIC) throw new IllegalArgumentException("unknown classic path \"" + p + "\"");
                    continue;
                }
                cl.add(p);
                for (long n : nums) allowed.add(n);
            }
            if (mode == Mode.CLASSIC && cl.isEmpty()) throw new IllegalArgumentException("empty --paths");
            this.classicList = List.copyOf(cl);
            this.classicAllowed = Set.copyOf(allowed);
        }

        /** First number of big upstream j: ranges of bigN overlap by half, so the union of U is (U+1)·bigN/2. */
        long bigStart(int j) {
            return bigBase + (long) j * (bigN / 2);
        }

        Plan build(long idx) {
            StringBuilder b = new StringBuilder(64 + 100 * urls);
            b.append(path);
            List<SetInfo> sets = mode == Mode.SET ? new ArrayList<>(urls) : null;
            long[] bigStarts = mode == Mode.BIG ? new long[urls] : null;
            for (int j = 0; j < urls; j++) {
                b.append(j == 0 ? "?u=" : "&u=");
                String u;
                if (mode == Mode.SET) {
                    long k = idx * urls + j + 1;
                    double[] dr = delays.draw(seed, idx, j);
                    int d = (int) dr[0];
                    int st = dr[1] < setErrors ? 503 : 200;
                    u = upstream + "/set/" + k + "?delay=" + d + (st != 200 ? "&status=" + st : "");
                    sets.add(new SetInfo(k, d, st, st == 200 && d <= budgetMs - 30, d >= budgetMs + 20));
                } else if (mode == Mode.BIG) {
                    bigStarts[j] = bigStart(j);
                    u = upstream + "/big?n=" + bigN + "&start=" + bigStarts[j];
                } else {
                    u = upstream + "/" + classicList.get(j % classicList.size());
                }
                b.append(URLEncoder.encode(u, StandardCharsets.UTF_8));
            }
            return new Plan(idx, b.toString(), sets, bigStarts);
        }

        /** The classic paths actually used by one request (for the summary). */
        List<String> usedPaths() {
            List<String> out = new ArrayList<>();
            for (int j = 0; j < urls && !classicList.isEmpty(); j++) out.add(classicList.get(j % classicList.size()));
            return out;
        }
    }

    private Plans() {
    }
}
