package dev.numbers.bench;

import java.io.EOFException;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

/**
 * Open-loop, constant-rate load generator for {@code GET /numbers?u=…} (in the spirit of wrk2 and of the shared Go
 * loadgen, whose options, output lines and JSON keys it mirrors so that {@code scripts/find_max_rate.sh}-style
 * judging and {@code scripts/table.sh} work on its output too).
 * <p>
 * Request i is due at start + i/rate; a dedicated dispatcher thread sends it then, whatever happened to earlier
 * requests. Two latencies are recorded into HdrHistograms for every HTTP answer: <b>corrected</b> = done − intended
 * time (coordinated-omission corrected) and <b>service</b> = done − the moment a connection began sending it. A
 * request without a complete answer within {@code --timeout} of its intended time is an error ("timeout", or
 * "queue_timeout" if it never got a connection). Every 200 answer is validated ({@link AnswerValidator}).
 * <p>
 * Transport: a non-blocking Jetty {@link HttpClient} with up to {@code --conns} keep-alive HTTP/1.1 connections,
 * pre-opened before the clock starts. {@code --warmup D} first runs the same load for D unrecorded (warms the
 * service, the upstream and this JVM). {@code --recover-rate R --recover-duration D} appends a phase at R after the
 * measured one and reports, per second of it, whether the service answers in time again ("overload" scenario).
 * <p>
 * Last line of stdout: one JSON object. Only loopback targets are accepted.
 */
public final class LoadGenerator {

    // ------------------------------------------------------------------------------------------------ options

    static final class Options {
        String target = "http://127.0.0.1:8000";
        String path = "/numbers";
        String upstream = "http://127.0.0.1:8090";
        double rate = 800;
        int conns = 800;
        long durationMs = 30_000;
        long warmupMs = 0;
        int urls = 2;
        Plans.Mode mode = Plans.Mode.CLASSIC;
        String paths = "primes,fibo,primes,odd,rand,rand";
        String delays = "uniform:0-550";
        double setErrors = 0;
        long budgetMs = 500;
        long timeoutMs = 1000;
        long seed = 1;
        String label = "";
        String waitUrl = null;
        long waitTimeoutMs = 30_000;
        int bigN = 300_000;
        long bigBase = 3_000_000_000L;
        double recoverRate = 0;
        long recoverDurationMs = 0;
        long recoverWithinMs = 5_000;
        boolean timeline = false;
        int maxBodyBytes = 64 << 20;
        boolean printUrl = false;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                CommandLineOption option = CommandLineOption.of(args[i], "-");
                String a = option.name();
                String v = option.inlineValue();
                boolean flag = a.equals("timeline") || a.equals("print-url") || a.equals("help") || a.equals("h");
                if (!flag && v == null) {
                    if (i + 1 >= args.length) throw new IllegalArgumentException("missing value for " + args[i]);
                    v = args[++i];
                }
                switch (a) {
                    case "target": o.target = v; break;
                    case "path": o.path = v; break;
                    case "upstream": o.upstream = v; break;
                    case "rate": o.rate = Double.parseDouble(v); break;
                    case "conns": o.conns = Integer.parseInt(v); break;
                    case "duration": o.durationMs = Durations.parseMillis(v); break;
                    case "warmup": o.warmupMs = Durations.parseMillis(v); break;
                    case "urls": o.urls = Integer.parseInt(v); break;
                    case "mode": o.mode = Plans.Mode.valueOf(v.toUpperCase(java.util.Locale.ROOT)); break;
                    case "paths": o.paths = v; break;
                    case "delays": o.delays = v; break;
                    case "set-errors": o.setErrors = Double.parseDouble(v); break;
                    case "budget": o.budgetMs = Durations.parseMillis(v); break;
                    case "timeout": o.timeoutMs = Durations.parseMillis(v); break;
                    case "seed": o.seed = Long.parseLong(v); break;
                    case "label": o.label = v; break;
                    case "wait": o.waitUrl = v; break;
                    case "wait-timeout": o.waitTimeoutMs = Durations.parseMillis(v); break;
                    case "big-n": o.bigN = Integer.parseInt(v); break;
                    case "big-base": o.bigBase = Long.parseLong(v); break;
                    case "recover-rate": o.recoverRate = Double.parseDouble(v); break;
                    case "recover-duration": o.recoverDurationMs = Durations.parseMillis(v); break;
                    case "recover-within": o.recoverWithinMs = Durations.parseMillis(v); break;
                    case "max-body": o.maxBodyBytes = Integer.parseInt(v); break;
                    case "timeline": o.timeline = true; break;
                    case "print-url": o.printUrl = true; break;
                    case "help": case "h":
                        throw new IllegalArgumentException("usage");
                    default:
                        throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (o.rate <= 0 || o.conns <= 0 || o.urls <= 0 || o.durationMs <= 0 || o.durationMs > 600_000
                    || o.warmupMs > 600_000 || o.recoverDurationMs > 600_000 || o.timeoutMs <= 0) {
                throw new IllegalArgumentException("need --rate>0, --conns>0, --urls>0, 0<--duration<=10m, --warmup<=10m");
            }
            return o;
        }
    }

    static final String USAGE = String.join("\n",
            "usage: java -cp numbers-bench.jar dev.numbers.bench.LoadGenerator [options]",
            "  --target URL           service base URL, loopback only [http://127.0.0.1:8000]",
            "  --path P               endpoint path [/numbers]",
            "  --upstream URL         fake upstream base URL, loopback only [http://127.0.0.1:8090]",
            "  --rate R               requests/s, open loop [800]",
            "  --conns C              max keep-alive connections [800]",
            "  --duration D           measured schedule, e.g. 30s [30s]",
            "  --warmup D             same load first, unrecorded [0]",
            "  --urls K               upstream URLs per request [2]",
            "  --mode M               classic | set | big [classic]",
            "  --paths P              classic paths, cycled [primes,fibo,primes,odd,rand,rand]",
            "  --delays S             set mode: uniform:A-B | fixed:MS | list:.. | mix [uniform:0-550]",
            "  --set-errors P         set mode: share of URLs answering 503 [0]",
            "  --big-n N              big mode: numbers per upstream (ranges overlap by half) [300000]",
            "  --budget D             the service's budget [500ms]    --timeout D  client timeout [1s]",
            "  --recover-rate R --recover-duration D [--recover-within 5s]",
            "                         after the measured phase, a phase at R: reports when answers are on time again",
            "  --timeline             per-second figures in the JSON line",
            "  --seed N --label L --print-url --wait URL [--wait-timeout 30s]");

    // ------------------------------------------------------------------------------------------------ stats

    /** Everything recorded during one phase set (measured + optional recovery). Thread-safe. */
    static final class Stats {
        static final long HIGHEST_US = TimeUnit.SECONDS.toMicros(120);
        final Histogram corrected = new ConcurrentHistogram(HIGHEST_US, 3);
        final Histogram service = new ConcurrentHistogram(HIGHEST_US, 3);
        final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        final Map<Integer, LongAdder> status = new ConcurrentHashMap<>();
        final LongAdder sent = new LongAdder();
        final LongAdder answered = new LongAdder();
        final LongAdder ok200 = new LongAdder();
        final LongAdder valid200 = new LongAdder();
        final LongAdder overBudgetCorr = new LongAdder();
        final LongAdder overBudgetSvc = new LongAdder();
        final LongAdder empty200 = new LongAdder();
        final LongAdder numbersTotal = new LongAdder();
        final LongAdder expSets = new LongAdder();
        final LongAdder expFull = new LongAdder();
        final LongAdder impossible = new LongAdder();
        final LongAdder errorSetsIncluded = new LongAdder();
        final LongAdder partial = new LongAdder();
        final LongAdder respWithExp = new LongAdder();
        final LongAdder respAllExp = new LongAdder();
        final AtomicLongArray presentByDelay = new AtomicLongArray(AnswerValidator.DELAY_BUCKETS * 2);
        // per second of intended time: scheduled, good (valid 200 within budget), late, non-200, errors, max corrected µs
        final AtomicLongArray tScheduled;
        final AtomicLongArray tGood;
        final AtomicLongArray tLate;
        final AtomicLongArray tNon200;
        final AtomicLongArray tErrors;
        final AtomicLongArray tMaxUs;

        /** Seconds of intended time that belong to the measured phase; later ones (recovery) only feed the timeline. */
        final int mainSeconds;

        Stats(int seconds, int mainSeconds) {
            this.mainSeconds = mainSeconds;
            tScheduled = new AtomicLongArray(seconds);
            tGood = new AtomicLongArray(seconds);
            tLate = new AtomicLongArray(seconds);
            tNon200 = new AtomicLongArray(seconds);
            tErrors = new AtomicLongArray(seconds);
            tMaxUs = new AtomicLongArray(seconds);
        }

        boolean main(int sec) {
            return sec < mainSeconds;
        }

        void error(String kind, int sec) {
            if (main(sec)) errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
            if (sec >= 0) tErrors.incrementAndGet(sec);
        }

        long errorsTotal() {
            return errors.values().stream().mapToLong(LongAdder::sum).sum();
        }
    }

    // ------------------------------------------------------------------------------------------------ run

    private final Options o;
    private final Plans.Builder plans;
    private final HttpClient client;
    private final URI targetBase;

    LoadGenerator(Options o, HttpClient client) {
        this.o = o;
        this.client = client;
        this.targetBase = URI.create(o.target.replaceAll("/+$", ""));
        this.plans = new Plans.Builder(o.mode, o.path, o.upstream, o.urls, o.paths, o.delays, o.setErrors, o.budgetMs,
                o.seed, o.bigN, o.bigBase);
    }

    private static final class Phase {
        final long count;
        final double rate;
        final long offsetNs; // intended time of its first request, from start
        final long firstIdx;

        Phase(long count, double rate, long offsetNs, long firstIdx) {
            this.count = count;
            this.rate = rate;
            this.offsetNs = offsetNs;
            this.firstIdx = firstIdx;
        }
    }

    /** Result facts of one run besides the Stats. */
    static final class RunFacts {
        long scheduled;
        long measuredScheduled;
        long schedLagMaxNs;
        long schedLagOver1ms;
        double sentRate;
        String note;
        long startNs;
    }

    /** Runs phases back to back; returns when every request has an outcome (bounded by 2×timeout + 5 s). */
    RunFacts run(List<Phase> phases, Stats st, long idxBase) throws InterruptedException {
        RunFacts f = new RunFacts();
        AtomicLong outstanding = new AtomicLong();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        f.startNs = start;
        int seconds = st.tScheduled.length();
        for (Phase ph : phases) {
            double periodNs = 1e9 / ph.rate;
            for (long i = 0; i < ph.count; i++) {
                long due = start + ph.offsetNs + (long) (i * periodNs);
                long now;
                while ((now = System.nanoTime()) < due) {
                    long d = due - now;
                    if (d > 20_000) LockSupport.parkNanos(d); // ~50 µs overshoot on Linux: negligible here
                    else Thread.onSpinWait();
                }
                long lag = now - due;
                if (lag > f.schedLagMaxNs) f.schedLagMaxNs = lag;
                if (lag > 1_000_000) f.schedLagOver1ms++;
                int sec = (int) Math.min(seconds - 1, (due - start) / 1_000_000_000L);
                st.tScheduled.incrementAndGet(sec);
                outstanding.incrementAndGet();
                send(idxBase + ph.firstIdx + i, due, sec, st, outstanding);
                if (st.main(sec)) f.scheduled++;
            }
        }
        long schedEnd = System.nanoTime();
        f.sentRate = st.sent.sum() / ((schedEnd - start) / 1e9);
        long hard = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2 * o.timeoutMs + 5000);
        while (outstanding.get() > 0 && System.nanoTime() < hard) {
            Thread.sleep(10);
        }
        if (outstanding.get() > 0) {
            f.note = "gave up waiting for " + outstanding.get() + " requests " + (2 * o.timeoutMs + 5000) + " ms after the schedule ended";
        }
        return f;
    }

    private void send(long idx, long intendedNs, int sec, Stats st, AtomicLong outstanding) {
        Plans.Plan plan = plans.build(idx);
        Request req = client.newRequest(targetBase.toString() + plan.pathAndQuery())
                .method(HttpMethod.GET)
                .agent("numbers-bench-loadgen")
                .headers(h -> h.put(HttpHeader.ACCEPT, "application/json"))
                .timeout(o.timeoutMs, TimeUnit.MILLISECONDS);
        long[] sendNs = {0};
        req.onRequestBegin(r -> {
            sendNs[0] = System.nanoTime();
            if (st.main(sec)) st.sent.increment();
        });
        req.send(new BufferingResponseListener(o.maxBodyBytes) {
            @Override
            public void onComplete(Result result) {
                long done = System.nanoTime();
                try {
                    record(result, getContent(), plan, intendedNs, sendNs[0], done, sec, st);
                } catch (Throwable t) {
                    st.error("internal_" + t.getClass().getSimpleName(), sec);
                } finally {
                    outstanding.decrementAndGet();
                }
            }
        });
    }

    static String errorKind(Throwable x, boolean began) {
        Throwable c = x;
        for (int i = 0; i < 5 && c != null; i++, c = c.getCause()) {
            if (c instanceof TimeoutException) return began ? "timeout" : "queue_timeout";
            if (c instanceof ConnectException) return "connect";
            if (c instanceof EOFException || c instanceof ClosedChannelException) return "read_eof";
            String m = String.valueOf(c.getMessage());
            if (m.contains("Buffering capacity")) return "body_too_large";
            if (m.contains("Max requests queued")) return "client_queue_full";
        }
        String n = x.getClass().getSimpleName();
        return n.isEmpty() ? "error" : n;
    }

    private void record(Result result, byte[] body, Plans.Plan plan, long intendedNs, long sendNs, long doneNs,
                        int sec, Stats st) {
        if (result.isFailed() || result.getResponse() == null) {
            Throwable f = result.getFailure();
            st.error(errorKind(f == null ? new IllegalStateException("no response") : f, sendNs != 0), sec);
            return;
        }
        int code = result.getResponse().getStatus();
        long corrUs = Math.max(1, (doneNs - intendedNs) / 1000);
        long svcUs = Math.max(1, (doneNs - (sendNs != 0 ? sendNs : intendedNs)) / 1000);
        long m;
        while (corrUs > (m = st.tMaxUs.get(sec)) && !st.tMaxUs.compareAndSet(sec, m, corrUs)) {
            // retry
        }
        boolean late = corrUs > o.budgetMs * 1000;
        if (late) st.tLate.incrementAndGet(sec);
        if (!st.main(sec)) { // recovery phase: timeline only
            if (code != 200) {
                st.tNon200.incrementAndGet(sec);
            } else if (AnswerValidator.validate(body == null ? new byte[0] : body, plan, plans).valid()) {
                if (!late) st.tGood.incrementAndGet(sec);
            } else {
                st.tErrors.incrementAndGet(sec);
            }
            return;
        }
        st.answered.increment();
        st.status.computeIfAbsent(code, k -> new LongAdder()).increment();
        st.corrected.recordValue(Math.min(corrUs, Stats.HIGHEST_US));
        st.service.recordValue(Math.min(svcUs, Stats.HIGHEST_US));
        if (late) st.overBudgetCorr.increment();
        if (svcUs > o.budgetMs * 1000) st.overBudgetSvc.increment();
        if (code != 200) {
            st.errors.computeIfAbsent("http_" + code, k -> new LongAdder()).increment();
            st.tNon200.incrementAndGet(sec);
            return;
        }
        st.ok200.increment();
        AnswerValidator.Verdict v = AnswerValidator.validate(body == null ? new byte[0] : body, plan, plans);
        if (!v.valid()) {
            st.errors.computeIfAbsent(v.invalid, k -> new LongAdder()).increment();
            st.tErrors.incrementAndGet(sec);
            sample(v.invalid, body);
        } else {
            st.valid200.increment();
            if (!late) st.tGood.incrementAndGet(sec);
        }
        if (v.count == 0) st.empty200.increment();
        st.numbersTotal.add(v.count);
        st.expSets.add(v.expSets);
        st.expFull.add(v.expFull);
        st.impossible.add(v.impossible);
        st.errorSetsIncluded.add(v.errorSetsIncluded);
        st.partial.add(v.partial);
        if (v.expSets > 0) {
            st.respWithExp.increment();
            if (v.expFull == v.expSets) st.respAllExp.increment();
        }
        for (int b = 0; b < AnswerValidator.DELAY_BUCKETS; b++) {
            if (v.presentByDelay[b][1] > 0) {
                st.presentByDelay.addAndGet(2 * b, v.presentByDelay[b][0]);
                st.presentByDelay.addAndGet(2 * b + 1, v.presentByDelay[b][1]);
            }
        }
    }

    private static final AtomicLong SAMPLES = new AtomicLong();

    private static void sample(String kind, byte[] body) {
        if (SAMPLES.incrementAndGet() <= 5) {
            String s = body == null ? "" : new String(body, 0, Math.min(300, body.length), java.nio.charset.StandardCharsets.UTF_8);
            System.err.printf("loadgen: invalid 200 answer (%s): %s%n", kind, s);
        }
    }

    // ------------------------------------------------------------------------------------------------ summary

    static Map<String, Double> dist(Histogram h) {
        Map<String, Double> m = new LinkedHashMap<>();
        boolean e = h.getTotalCount() == 0;
        m.put("p50", e ? 0 : ms(h.getValueAtPercentile(50)));
        m.put("p90", e ? 0 : ms(h.getValueAtPercentile(90)));
        m.put("p99", e ? 0 : ms(h.getValueAtPercentile(99)));
        m.put("p999", e ? 0 : ms(h.getValueAtPercentile(99.9)));
        m.put("max", e ? 0 : ms(h.getMaxValue()));
        m.put("mean", e ? 0 : round(h.getMean() / 1000.0, 3));
        return m;
    }

    private static double ms(long us) {
        return round(us / 1000.0, 3);
    }

    static double round(double x, int d) {
        double p = Math.pow(10, d);
        return Math.round(x * p) / p;
    }

    static double pct(long a, long b) {
        return b == 0 ? 0 : round(100.0 * a / b, 3);
    }

    /** Seconds after the recovery phase began from which every second is "good"; -1 if never. */
    static int recoveredAfter(long[] scheduled, long[] bad, double maxBadShare) {
        int from = -1;
        for (int s = scheduled.length - 1; s >= 0; s--) {
            boolean good = scheduled[s] == 0 || bad[s] <= maxBadShare * scheduled[s];
            if (!good) break;
            from = s;
        }
        return from;
    }

    Map<String, Object> summarize(Stats st, RunFacts f, long measuredCount, long measuredSeconds, long recoverCount,
                                  double loadgenCpuS) {
        Map<String, Object> out = new LinkedHashMap<>();
        long total = f.scheduled;
        long answered = st.answered.sum();
        long noAnswer = total - answered;
        long errTotal = st.errorsTotal();
        long accounted = st.errors.entrySet().stream()
                .filter(e -> !e.getKey().startsWith("http_") && !isValidationKind(e.getKey()))
                .mapToLong(e -> e.getValue().sum()).sum();
        if (total - answered - accounted > 0) {
            st.errors.computeIfAbsent("unfinished", k -> new LongAdder()).add(total - answered - accounted);
            errTotal = st.errorsTotal();
        }
        long overCorr = st.overBudgetCorr.sum();
        Map<String, Long> errs = new TreeMap<>();
        st.errors.forEach((k, v) -> errs.put(k, v.sum()));
        Map<String, Long> status = new TreeMap<>();
        st.status.forEach((k, v) -> status.put(String.valueOf(k), v.sum()));
        double durS = o.durationMs / 1000.0;
        out.put("tool", "java-loadgen");
        out.put("label", o.label);
        out.put("target", o.target + o.path);
        out.put("mode", o.mode.name().toLowerCase(java.util.Locale.ROOT));
        out.put("urls", o.urls);
        out.put("rate", o.rate);
        out.put("conns", o.conns);
        out.put("duration_s", o.durationMs / 1000.0);
        out.put("warmup_s", o.warmupMs / 1000.0);
        out.put("budget_ms", o.budgetMs);
        out.put("timeout_ms", o.timeoutMs);
        out.put("scheduled", total);
        out.put("sent", st.sent.sum());
        out.put("answered", answered);
        out.put("status", status);
        out.put("valid_200", st.valid200.sum());
        out.put("achieved_rate", round(answered / durS, 2));
        out.put("errors_total", errTotal);
        out.put("errors", errs);
        out.put("corrected_ms", dist(st.corrected));
        out.put("service_ms", dist(st.service));
        out.put("over_budget_pct_corrected", pct(overCorr, answered));
        out.put("over_budget_pct_service", pct(st.overBudgetSvc.sum(), answered));
        out.put("over_budget_or_no_answer_pct", pct(overCorr + noAnswer, total));
        out.put("late_or_bad_pct", pct(total - sumGood(st, st.mainSeconds), total));
        out.put("empty_200", st.empty200.sum());
        out.put("mean_numbers", st.ok200.sum() == 0 ? 0 : round((double) st.numbersTotal.sum() / st.ok200.sum(), 2));
        out.put("sched_lag_max_ms", round(f.schedLagMaxNs / 1e6, 3));
        out.put("sched_lag_over_1ms", f.schedLagOver1ms);
        out.put("sent_rate", round(f.sentRate, 2));
        out.put("loadgen_cpu_s", round(loadgenCpuS, 3));
        if (o.mode == Plans.Mode.SET || o.mode == Plans.Mode.BIG) {
            if (o.mode == Plans.Mode.SET) {
                out.put("delays", o.delays);
                out.put("set_errors", o.setErrors);
            } else {
                out.put("big_n", o.bigN);
            }
            out.put("completeness_pct", pct(st.expFull.sum(), st.expSets.sum()));
            out.put("expected_sets", st.expSets.sum());
            out.put("expected_sets_full", st.expFull.sum());
            out.put("answers_all_expected_pct", pct(st.respAllExp.sum(), st.respWithExp.sum()));
            out.put("impossible_included", st.impossible.sum());
            out.put("error_sets_included", st.errorSetsIncluded.sum());
            out.put("partial_sets", st.partial.sum());
        } else {
            out.put("paths", String.join(",", plans.usedPaths()));
        }
        int secs = st.tScheduled.length();
        if (o.timeline || recoverCount > 0) {
            List<Map<String, Object>> tl = new ArrayList<>();
            for (int s = 0; s < secs; s++) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("t", s);
                e.put("scheduled", st.tScheduled.get(s));
                e.put("good", st.tGood.get(s));
                e.put("late", st.tLate.get(s));
                e.put("non200", st.tNon200.get(s));
                e.put("errors", st.tErrors.get(s));
                e.put("max_ms", ms(st.tMaxUs.get(s)));
                tl.add(e);
            }
            out.put("timeline", tl);
        }
        if (recoverCount > 0) {
            int first = (int) measuredSeconds;
            int n = secs - first - 1; // the recovery phase's seconds (the timeline has one spare slot at the end)
            long[] sch = new long[n];
            long[] bad = new long[n];
            for (int s = 0; s < n; s++) {
                sch[s] = st.tScheduled.get(first + s);
                bad[s] = sch[s] - st.tGood.get(first + s);
            }
            int after = recoveredAfter(sch, bad, 0.001);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("rate", o.recoverRate);
            r.put("duration_s", o.recoverDurationMs / 1000.0);
            r.put("recovered_after_s", after);
            r.put("within_s", o.recoverWithinMs / 1000.0);
            r.put("pass", after >= 0 && after * 1000L <= o.recoverWithinMs && after < n);
            out.put("recovery", r);
        }
        if (f.note != null) out.put("note", f.note);
        return out;
    }

    private static long sumGood(Stats st, int upTo) {
        long g = 0;
        for (int s = 0; s < Math.min(upTo, st.tGood.length()); s++) g += st.tGood.get(s);
        return g;
    }

    static boolean isValidationKind(String k) {
        switch (k) {
            case "invalid_json": case "no_numbers": case "not_integer": case "unsorted_or_dup": case "foreign_number":
            case "shared7_mismatch": case "partial_set":
                return true;
            default:
                return false;
        }
    }

    @SuppressWarnings("unchecked")
    static String humanSummary(Map<String, Object> j) {
        StringBuilder b = new StringBuilder();
        Map<String, Double> c = (Map<String, Double>) j.get("corrected_ms");
        Map<String, Double> s = (Map<String, Double>) j.get("service_ms");
        b.append(String.format(java.util.Locale.ROOT, "loadgen: target=%s mode=%s urls=%s rate=%.0f/s conns=%s duration=%ss warmup=%ss budget=%sms%n",
                j.get("target"), j.get("mode"), j.get("urls"), (Double) j.get("rate"), j.get("conns"), j.get("duration_s"), j.get("warmup_s"), j.get("budget_ms")));
        b.append(String.format(java.util.Locale.ROOT, "  scheduled %s  sent %s (%.1f/s)  answered %s (valid 200: %s)  status %s%n",
                j.get("scheduled"), j.get("sent"), (Double) j.get("sent_rate"), j.get("answered"), j.get("valid_200"), j.get("status")));
        b.append(String.format(java.util.Locale.ROOT, "  scheduler: max dispatch lag %.2f ms, %s dispatches more than 1 ms late; loadgen cpu %.2fs%n",
                (Double) j.get("sched_lag_max_ms"), j.get("sched_lag_over_1ms"), (Double) j.get("loadgen_cpu_s")));
        b.append(String.format(java.util.Locale.ROOT, "  errors: %s %s%n", j.get("errors_total"), j.get("errors")));
        b.append(String.format(java.util.Locale.ROOT, "  latency corrected (from intended send time) ms: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  mean %.1f%n",
                c.get("p50"), c.get("p90"), c.get("p99"), c.get("p999"), c.get("max"), c.get("mean")));
        b.append(String.format(java.util.Locale.ROOT, "  latency service   (from actual send)        ms: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  mean %.1f%n",
                s.get("p50"), s.get("p90"), s.get("p99"), s.get("p999"), s.get("max"), s.get("mean")));
        b.append(String.format(java.util.Locale.ROOT, "  over budget: corrected %.3f%%  service %.3f%% of answers; over budget or no answer: %.3f%% of scheduled; empty 200: %s; mean numbers %s%n",
                (Double) j.get("over_budget_pct_corrected"), (Double) j.get("over_budget_pct_service"), (Double) j.get("over_budget_or_no_answer_pct"), j.get("empty_200"), j.get("mean_numbers")));
        if (j.containsKey("completeness_pct")) {
            b.append(String.format(java.util.Locale.ROOT, "  completeness %.3f%% (%s of %s expected sets)  all-expected answers %.3f%%  impossible %s  error sets %s  partial %s%n",
                    (Double) j.get("completeness_pct"), j.get("expected_sets_full"), j.get("expected_sets"), (Double) j.get("answers_all_expected_pct"),
                    j.get("impossible_included"), j.get("error_sets_included"), j.get("partial_sets")));
        }
        if (j.containsKey("recovery")) b.append("  recovery: ").append(j.get("recovery")).append('\n');
        if (j.containsKey("note")) b.append("  note: ").append(j.get("note")).append('\n');
        return b.toString();
    }

    // ------------------------------------------------------------------------------------------------ main

    static boolean isLoopback(String url) {
        try {
            URI u = URI.create(url);
            if (!"http".equals(u.getScheme()) || u.getHost() == null) return false;
            String h = u.getHost();
            if (h.equals("localhost")) return true;
            if (h.startsWith("[")) h = h.substring(1, h.length() - 1);
            return (Character.isDigit(h.charAt(0)) || h.contains(":")) && InetAddress.getByName(h).isLoopbackAddress();
        } catch (Exception e) {
            return false;
        }
    }

    static HttpClient newClient(int conns, int queued, long connectTimeoutMs) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(64, 4);
        pool.setName("loadgen-client");
        pool.setDaemon(true);
        ClientConnector cc = new ClientConnector();
        cc.setSelectors(1);
        HttpClient c = new HttpClient(new org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP(cc));
        c.setExecutor(pool);
        c.setMaxConnectionsPerDestination(conns);
        c.setMaxRequestsQueuedPerDestination(Math.max(1024, queued));
        c.setConnectTimeout(connectTimeoutMs);
        c.setIdleTimeout(120_000);
        c.setFollowRedirects(false);
        c.setUserAgentField(null);
        c.setDestinationIdleTimeout(0);
        c.start();
        return c;
    }

    static int waitMode(Options o) throws Exception {
        if (!isLoopback(o.waitUrl)) {
            System.err.println("loadgen: --wait: only loopback URLs");
            return 2;
        }
        HttpClient c = newClient(4, 16, 1000);
        try {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(o.waitTimeoutMs);
            while (System.nanoTime() < end) {
                try {
                    ContentResponse r = c.newRequest(o.waitUrl).timeout(1, TimeUnit.SECONDS).send();
                    if (r != null) return 0;
                } catch (Exception e) {
                    Thread.sleep(100);
                }
            }
            System.err.println("loadgen: " + o.waitUrl + " not ready after " + Durations.format(o.waitTimeoutMs));
            return 1;
        } finally {
            c.stop();
        }
    }

    private static double cpuSeconds() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() / 1e9;
        }
        return 0;
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            if (!"usage".equals(e.getMessage())) System.err.println("loadgen: " + e.getMessage());
            System.err.println(USAGE);
            System.exit("usage".equals(e.getMessage()) ? 0 : 2);
            return;
        }
        if (o.waitUrl != null) {
            System.exit(waitMode(o));
        }
        if (!isLoopback(o.target) || !isLoopback(o.upstream)) {
            System.err.println("loadgen: --target and --upstream must be http:// loopback URLs (127.0.0.0/8, ::1, localhost)");
            System.exit(2);
        }
        if (o.printUrl) {
            Plans.Builder pb = new Plans.Builder(o.mode, o.path, o.upstream, o.urls, o.paths, o.delays, o.setErrors,
                    o.budgetMs, o.seed, o.bigN, o.bigBase);
            System.out.println(o.target.replaceAll("/+$", "") + pb.build(0).pathAndQuery());
            return;
        }
        long measured = Math.max(1, (long) (o.rate * o.durationMs / 1000.0));
        long recover = o.recoverRate > 0 ? (long) (o.recoverRate * o.recoverDurationMs / 1000.0) : 0;
        int queued = (int) Math.min(Integer.MAX_VALUE / 2,
                (long) (Math.max(o.rate, o.recoverRate) * (o.timeoutMs / 1000.0 + 1) * 2) + o.conns);
        HttpClient client = newClient(o.conns, queued, Math.min(o.timeoutMs, 5000));
        int code = 0;
        try {
            LoadGenerator lg = new LoadGenerator(o, client);
            Destination dest = client.resolveDestination(client.newRequest(o.target));
            try {
                dest.getConnectionPool().preCreateConnections(o.conns).get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                System.err.println("loadgen: pre-connecting " + o.conns + " connections failed (" + e + "); they will be opened lazily");
            }
            // measured indices start far from the warm-up's so that set-mode k values (and caches) never repeat
            if (o.warmupMs > 0) {
                long wn = Math.max(1, (long) (o.rate * o.warmupMs / 1000.0));
                int wsec = (int) Math.ceil(o.warmupMs / 1000.0) + 1;
                Stats ws = new Stats(wsec, wsec);
                RunFacts wf = lg.run(List.of(new Phase(wn, o.rate, 0, 0)), ws, 1L << 36);
                Map<String, Double> c = dist(ws.corrected);
                System.err.printf(java.util.Locale.ROOT, "loadgen: warm-up %s: corrected p50 %.1f p99.9 %.1f max %.1f ms, errors %d, over budget %.3f%%%s%n",
                        Durations.format(o.warmupMs), c.get("p50"), c.get("p999"), c.get("max"), ws.errorsTotal(),
                        pct(ws.overBudgetCorr.sum(), ws.answered.sum()), wf.note == null ? "" : " (" + wf.note + ")");
                Thread.sleep(1000);
            }
            long measuredSeconds = (long) Math.ceil(o.durationMs / 1000.0);
            long recoverSeconds = recover > 0 ? (long) Math.ceil(o.recoverDurationMs / 1000.0) : 0;
            Stats st = new Stats((int) (measuredSeconds + recoverSeconds) + 1, (int) measuredSeconds + (recover > 0 ? 0 : 1));
            List<Phase> phases = new ArrayList<>();
            phases.add(new Phase(measured, o.rate, 0, 0));
            if (recover > 0) phases.add(new Phase(recover, o.recoverRate, TimeUnit.SECONDS.toNanos(measuredSeconds), measured));
            double cpu0 = cpuSeconds();
            RunFacts f = lg.run(phases, st, 0);
            double cpu = cpuSeconds() - cpu0;
            Map<String, Object> j = lg.summarize(st, f, measured, measuredSeconds, recover, cpu);
            System.out.print(humanSummary(j));
            Gson gson = new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues().create();
            System.out.println(gson.toJson(j));
        } finally {
            try {
                client.stop();
            } catch (Exception ignored) {
                code = code == 0 ? 0 : code;
            }
        }
        System.exit(code);
    }
}
