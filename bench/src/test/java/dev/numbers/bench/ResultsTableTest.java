package dev.numbers.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

class ResultsTableTest {

    @Test
    void formatsAScenarioRow() {
        JsonObject r = JsonParser.parseString("{\"scenario\":\"A\",\"desc\":\"800/s, 2 classic URLs\",\"rss_max_kb\":70736,"
                + "\"sut_cpu_pct\":44.04,\"load\":{\"achieved_rate\":800.0,\"corrected_ms\":{\"p50\":397.3,\"p90\":496.9,"
                + "\"p99\":516.7,\"p999\":539.44,\"max\":562.4},\"service_ms\":{\"p999\":539.0},"
                + "\"over_budget_or_no_answer_pct\":4.075,\"errors\":{\"http_503\":3,\"timeout\":2},\"status\":{\"200\":11995,\"503\":3}}}")
                .getAsJsonObject();
        String md = ResultsTable.markdown(List.of(r));
        String[] lines = md.split("\n");
        assertEquals(3, lines.length);
        assertEquals(ResultsTable.HEADER, lines[0]);
        assertEquals("| A | 800/s, 2 classic URLs | 800 | 397 / 497 / 517 / 539.4 / 562.4 | 539.0 | 4.075 % | 2 (timeout 2) "
                + "| - | - | 69 | 44 | 503 shed: 3 |", lines[2]);
        // every row has as many cells as the header
        assertEquals(lines[0].split("\\|").length, lines[2].split("\\|").length);
        assertEquals(lines[0].split("\\|").length, lines[1].split("\\|").length);
    }

    @Test
    void formatsSetModeRecoveryAndMissingLoad() {
        JsonObject over = JsonParser.parseString("{\"scenario\":\"overload\",\"desc\":\"6000/s\",\"load\":{"
                + "\"completeness_pct\":99.5,\"impossible_included\":0,\"errors\":{},"
                + "\"recovery\":{\"recovered_after_s\":2,\"within_s\":5.0,\"pass\":true}}}").getAsJsonObject();
        JsonObject failed = JsonParser.parseString("{\"scenario\":\"D\",\"desc\":\"step search\",\"note\":\"no passing rate\"}")
                .getAsJsonObject();
        String md = ResultsTable.markdown(List.of(over, failed));
        assertTrue(md.contains("| 99.50 | 0 |"), md);
        assertTrue(md.contains("recovered within 5 s (after 2 s)"), md);
        assertTrue(md.contains("| D | step search | - | - |"), md);
        assertTrue(md.contains("no passing rate"), md);
    }

    @Test
    void readsTheSharedHarnessRecord() {
        JsonObject r = JsonParser.parseString("{\"bench\":{\"label\":\"ref-C\",\"sut_rss_max_kb\":76800,"
                + "\"sut_cpu_pct\":45.2},\"load\":{\"rate\":500,\"urls\":4,\"mode\":\"set\",\"delays\":\"uniform:0-550\","
                + "\"achieved_rate\":500,\"completeness_pct\":99.853,\"impossible_included\":0,\"errors\":{},"
                + "\"over_budget_or_no_answer_pct\":7.47}}").getAsJsonObject();
        String row = ResultsTable.markdown(List.of(r)).split("\n")[2];
        assertEquals("| ref-C | 500/s, 4 set URLs uniform:0-550 | 500 | - | - | 7.470 % | 0 | 99.85 | 0 | 75 | 45 |  |", row);
    }

    @Test
    void recoveryDetection() {
        assertEquals(2, LoadGenerator.recoveredAfter(new long[] {100, 100, 100, 100}, new long[] {50, 3, 0, 0}, 0.001));
        assertEquals(0, LoadGenerator.recoveredAfter(new long[] {100, 100}, new long[] {0, 0}, 0.001));
        assertEquals(-1, LoadGenerator.recoveredAfter(new long[] {100, 100}, new long[] {0, 5}, 0.001));
    }

    @Test
    void percentilesFromHistogram() {
        org.HdrHistogram.Histogram h = new org.HdrHistogram.Histogram(120_000_000L, 3);
        for (int i = 1; i <= 1000; i++) h.recordValue(i * 1000L); // 1..1000 ms
        var d = LoadGenerator.dist(h);
        assertEquals(500, d.get("p50"), 1);
        assertEquals(999, d.get("p999"), 1);
        assertEquals(1000, d.get("max"), 1);
    }

    @Test
    void loopbackOnly() {
        assertTrue(LoadGenerator.isLoopback("http://127.0.0.1:8000"));
        assertTrue(LoadGenerator.isLoopback("http://localhost:8000"));
        assertTrue(LoadGenerator.isLoopback("http://[::1]:8000"));
        assertEquals(false, LoadGenerator.isLoopback("http://10.0.0.1:8000"));
        assertEquals(false, LoadGenerator.isLoopback("http://example.com/"));
        assertEquals(false, LoadGenerator.isLoopback("https://127.0.0.1/"));
    }
}
