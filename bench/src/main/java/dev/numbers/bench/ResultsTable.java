package dev.numbers.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Turns run.sh's scenario records (one JSON object a line: {@code {"scenario":"A","desc":…,"rss_max_kb":…,
 * "sut_cpu_pct":…,"load":{loadgen JSON},"note":…}}) into a Markdown table. The shared harness's records
 * ({@code ../shared/bench/bench.sh}'s last line, {@code {"bench":{"label":…,"sut_rss_max_kb":…,"sut_cpu_pct":…},
 * "load":{…}}}) are read as well: the label names the scenario. Pure formatting apart from main.
 * Usage: {@code java -cp numbers-bench.jar dev.numbers.bench.ResultsTable results.jsonl}
 */
public final class ResultsTable {

    static final String HEADER = "| scenario | load | answered/s | corrected p50 / p90 / p99 / p99.9 / max (ms) | service p99.9 (ms) "
            + "| > budget or no answer | errors | complete % | impossible | SUT RSS max (MB) | SUT CPU % | notes |";
    static final String RULE = "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|";

    private ResultsTable() {
    }

    static String markdown(List<JsonObject> rows) {
        StringBuilder b = new StringBuilder();
        b.append(HEADER).append('\n').append(RULE).append('\n');
        for (JsonObject r : rows) b.append(row(r)).append('\n');
        return b.toString();
    }

    static String row(JsonObject record) {
        JsonObject r = normalized(record);
        JsonObject l = r.has("load") && r.get("load").isJsonObject() ? r.getAsJsonObject("load") : new JsonObject();
        List<String> c = new ArrayList<>();
        c.add(str(r, "scenario"));
        c.add(str(r, "desc"));
        c.add(num(l, "achieved_rate", 0));
        JsonObject corr = l.has("corrected_ms") ? l.getAsJsonObject("corrected_ms") : null;
        if (corr == null) {
            c.add("-");
        } else {
            c.add(String.join(" / ", num(corr, "p50", 0), num(corr, "p90", 0), num(corr, "p99", 0),
                    num(corr, "p999", 1), num(corr, "max", 1)));
        }
        JsonObject svc = l.has("service_ms") ? l.getAsJsonObject("service_ms") : null;
        c.add(svc == null ? "-" : num(svc, "p999", 1));
        c.add(l.has("over_budget_or_no_answer_pct") ? num(l, "over_budget_or_no_answer_pct", 3) + " %" : "-");
        c.add(errors(l));
        c.add(l.has("completeness_pct") ? num(l, "completeness_pct", 2) : "-");
        c.add(l.has("impossible_included") ? str(l, "impossible_included") : "-");
        c.add(r.has("rss_max_kb") ? fmt(r.get("rss_max_kb").getAsDouble() / 1024.0, 0) : "-");
        c.add(r.has("sut_cpu_pct") ? num(r, "sut_cpu_pct", 0) : "-");
        List<String> notes = new ArrayList<>();
        if (r.has("note") && !r.get("note").isJsonNull()) notes.add(r.get("note").getAsString());
        if (l.has("recovery")) {
            JsonObject rec = l.getAsJsonObject("recovery");
            int after = rec.get("recovered_after_s").getAsInt();
            notes.add((rec.get("pass").getAsBoolean() ? "recovered" : "NOT recovered") + " within "
                    + num(rec, "within_s", 0) + " s" + (after >= 0 ? " (after " + after + " s)" : ""));
        }
        if (l.has("status")) {
            JsonElement s503 = l.getAsJsonObject("status").get("503");
            if (s503 != null) notes.add("503 shed: " + s503.getAsLong());
        }
        c.add(notes.isEmpty() ? "" : String.join("; ", notes));
        return "| " + String.join(" | ", c).replace("\n", " ") + " |";
    }

    /** A shared-harness record in this table's shape; any other record unchanged. */
    static JsonObject normalized(JsonObject r) {
        if (!r.has("bench") || !r.get("bench").isJsonObject()) return r;
        JsonObject b = r.getAsJsonObject("bench");
        JsonObject n = new JsonObject();
        n.addProperty("scenario", str(b, "label"));
        JsonObject l = r.has("load") && r.get("load").isJsonObject() ? r.getAsJsonObject("load") : new JsonObject();
        n.addProperty("desc", describe(l));
        if (b.has("sut_rss_max_kb")) n.add("rss_max_kb", b.get("sut_rss_max_kb"));
        if (b.has("sut_cpu_pct")) n.add("sut_cpu_pct", b.get("sut_cpu_pct"));
        n.add("load", l);
        if (r.has("note")) n.add("note", r.get("note"));
        return n;
    }

    /** "800/s, 2 classic URLs" or "500/s, 4 set URLs uniform:0-550", from a loadgen record. */
    static String describe(JsonObject l) {
        if (!l.has("rate")) return "-";
        String urls = num(l, "urls", 0) + ("set".equals(str(l, "mode")) ? " set URLs " + str(l, "delays") : " classic URLs");
        return num(l, "rate", 0) + "/s, " + urls;
    }

    /** Errors other than HTTP statuses (timeouts, resets, invalid answers), with the biggest kinds named. */
    static String errors(JsonObject l) {
        if (!l.has("errors")) return "-";
        JsonObject e = l.getAsJsonObject("errors");
        long total = 0;
        List<String> kinds = new ArrayList<>();
        for (String k : e.keySet()) {
            if (k.startsWith("http_")) continue;
            long v = e.get(k).getAsLong();
            total += v;
            kinds.add(k + " " + v);
        }
        return total == 0 ? "0" : total + " (" + String.join(", ", kinds) + ")";
    }

    static String str(JsonObject o, String k) {
        return o.has(k) && !o.get(k).isJsonNull() ? o.get(k).getAsString() : "-";
    }

    static String num(JsonObject o, String k, int decimals) {
        return o.has(k) && !o.get(k).isJsonNull() ? fmt(o.get(k).getAsDouble(), decimals) : "-";
    }

    static String fmt(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    static List<JsonObject> read(Path p) throws IOException {
        List<JsonObject> rows = new ArrayList<>();
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
            line = line.trim();
            if (line.startsWith("{")) rows.add(JsonParser.parseString(line).getAsJsonObject());
        }
        return rows;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ResultsTable results.jsonl");
            System.exit(2);
        }
        System.out.print(markdown(read(Path.of(args[0]))));
    }
}
