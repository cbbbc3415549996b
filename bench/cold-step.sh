#!/usr/bin/env bash
# bench/cold-step.sh: one D step from a cold start, as find_max_rate.sh and the sittings run it (20 s warm-up at the
# rate, then 20 s measured; 2 set URLs, fixed 50 ms, 2 000 connections), with the service's own counters read after
# the warm-up and after the measured part: upstream fetches that failed to connect, partial answers, and the
# connections the upstream saw opened. The connect timeout rows of docs/performance.md#tried-and-not-kept.
# The shared harness's Go upstream and load generator on CPU 1, the service on CPU 0.
#
# Usage: bench/cold-step.sh RATE [COMMAND...]   (COMMAND serves /numbers on {PORT}; default: this repository's
#        bench/sut.sh, SUT_OPTS as in the sittings; settings as NUMBERS_* variables, e.g. NUMBERS_CONNECT_TIMEOUT=500ms).
#        Needs BENCH_BIN (../shared/bench/build.sh). Prints one line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${BENCH_BIN:?set BENCH_BIN to the shared harness tools (see ../shared/bench/README.md)}"
rate="$1"; shift
[ $# -gt 0 ] || set -- "$here/sut.sh" '{PORT}'
# shellcheck source=bench/jvm-options.sh
. "$here/jvm-options.sh"
export SUT_OPTS="${SUT_OPTS:-$BENCH_JVM_OPTS}"
export JETTY_HOME="${JETTY_HOME:-$here/target/jetty-home-12.1.8}"
cmd=(); for a in "$@"; do cmd+=("${a//\{PORT\}/28000}"); done
lg=("$BENCH_BIN/loadgen" -target http://127.0.0.1:28000 -upstream http://127.0.0.1:28090 -mode set -urls 2
  -delays fixed:50 -conns 2000 -budget 500ms -timeout 1s -rate "$rate" -duration 20s)
out="$(mktemp -d /tmp/cold-step.XXXXXX)"

taskset -c 1 "$BENCH_BIN/upstream" -addr 127.0.0.1:28090 > /dev/null 2>&1 & up=$!
taskset -c 0 "${cmd[@]}" > "$out/sut.log" 2>&1 & sut=$!
trap 'kill "$sut" "$up" 2>/dev/null || true; wait "$sut" "$up" 2>/dev/null || true' EXIT
"$BENCH_BIN/loadgen" -wait http://127.0.0.1:28000/numbers -wait-timeout 90s > /dev/null

counter() { # FILE LABEL -> the counter's value, 0 when absent
  awk -v l="$2" 'index($0, l) == 1 { v = $2 } END { printf "%d\n", v }' "$1"
}
taskset -c 1 "${lg[@]}" > "$out/warm.txt" 2>&1 || true
curl -sf http://127.0.0.1:28000/metrics > "$out/after-warm.prom"
taskset -c 1 "${lg[@]}" > "$out/load.txt" 2>&1 || true
curl -sf http://127.0.0.1:28000/metrics > "$out/after-load.prom"
curl -sf http://127.0.0.1:28090/stats > "$out/upstream.json"

ce='numbers_upstream_fetches_total{outcome="connect_error"}' pa='numbers_requests_total{result="partial"}'
w="$(counter "$out/after-warm.prom" "$ce")" m="$(counter "$out/after-load.prom" "$ce")"
p0="$(counter "$out/after-warm.prom" "$pa")" p1="$(counter "$out/after-load.prom" "$pa")"
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" "$2" | tail -1; }
p999="$(sed -n 's/.*"corrected_ms":{[^}]*"p999":\([0-9.]*\).*/\1/p' "$out/load.txt" | tail -1)"
shed="$(field http_503 "$out/load.txt")"
echo "rate $rate/s: p99.9 $p999 ms, $(field over_budget_or_no_answer_pct "$out/load.txt") % late or unanswered," \
  "${shed:-0} 503s of $(field scheduled "$out/load.txt"), $((p1 - p0)) partial answers; connect errors: warm-up $w," \
  "measured $((m - w)); upstream connections opened $(field conns_opened "$out/upstream.json") (files in $out)"
