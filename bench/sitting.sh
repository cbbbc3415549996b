#!/usr/bin/env bash
# bench/sitting.sh: the side-by-side sitting of docs/performance.md in one command — the reference solution, then
# this service, one after the other on this machine, with the shared harness (../shared/bench) for A–D and overload,
# and bench/run.sh for large payloads (its FakeUpstream serves /big); then one Markdown table of everything.
#
# Usage: bench/sitting.sh [--skip-reference] [--only-abc] [--out DIR]
#   --skip-reference  measure this service only
#   --only-abc        scenarios A, B and C (and C judged 40 ms early) only: about 8 minutes with the reference
#   --out DIR         where everything goes [bench/results/sitting-<time>]
# Needs: the Go tools of the shared harness in BENCH_BIN (../shared/bench/build.sh), `cd bench && mvn package`
# (Jetty home, FakeUpstream), `mvn package` at the root (target/numbers.war). The WAR, jetty-base/ and sut.sh are
# copied first, so builds during the sitting cannot change what is measured. JVM options: SUT_OPTS.
# Takes about 25 minutes; every run is bounded and stops what it started, by PID. Loopback only.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
harness="${HARNESS:-$repo/../shared/bench}"
skip_ref=0; only_abc=0; out="$here/results/sitting-$(date -u +%Y%m%d-%H%M%S)"
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-reference) skip_ref=1; shift;;
    --only-abc) only_abc=1; shift;;
    --out) out="$2"; shift 2;;
    -h|--help) sed -n '2,14p' "$0"; exit 0;;
    *) echo "sitting.sh: unknown option $1" >&2; exit 2;;
  esac
done
: "${BENCH_BIN:?set BENCH_BIN to the shared harness tools (see ../shared/bench/README.md)}"
export BENCH_BIN BENCH_RESULTS="${BENCH_RESULTS:-$out/harness}"
export JETTY_HOME="${JETTY_HOME:-$here/target/jetty-home-12.1.8}"
# shellcheck source=bench/jvm-options.sh
. "$here/jvm-options.sh"
opts="${SUT_OPTS:-$BENCH_JVM_OPTS}"
mkdir -p "$out" "$BENCH_RESULTS"

freeze() { # source-tree destination: jetty-base, the WAR and sut.sh as they are now
  mkdir -p "$2/bench" "$2/target"
  cp -r "$1/jetty-base" "$2/" && rm -rf "$2/jetty-base/logs/"*
  cp "$1/target/numbers.war" "$2/target/" && cp "$here/sut.sh" "$2/bench/"
}
freeze "$repo" "$out/sut"
git -C "$repo" log -1 --format='commit %h %s' > "$out/commit.txt"

P=(--port 28000 --upstream-port 28090)
A=(--rate 800 --conns 800 --urls 2 --paths primes,fibo --duration 30s)
B=(--rate 800 --conns 800 --urls 6 --duration 30s)
C=(--mode set --urls 4 --delays uniform:0-550 --rate 500 --conns 800 --duration 30s)
# C again, judged at budget - 10 ms: the harness then counts as expected the sets of delay <= budget - 40 ms, so its
# completeness is the share of upstreams that answered 40 ms before the budget and were included (its late share
# is against 490 ms and not reported).
C40=("${C[@]}" --budget 490ms)
ref=("$BENCH_BIN/reference" --bind '127.0.0.1:{PORT}')
sut=("$out/sut/bench/sut.sh" '{PORT}')
log() { echo "$(date -u +%H:%M:%S) $*" | tee -a "$out/timeline.txt"; }
maxrate() { sed -n 's/.*highest passing rate \([0-9]*\).*/\1/p' "$1" | tail -1; }
# find_max_rate.sh counts a fast 503 as an answer, so a shedding service passes rates it mostly refuses: the highest
# passing step that also answered 99.9 % of its requests with 200 is the rate the service actually serves.
servedrate() { awk '/find_max_rate: rate .*: PASS/ { split($0, e, "errors="); split(e[2], q, "[/ ]");
    if (q[2] > 0 && q[1] / q[2] < 0.001 && $3 + 0 > best) best = $3 + 0 } END { if (best) print best }' "$1"; }
record() { tail -1 "$1" | grep '^{' >> "$out/results.jsonl" || true; }

# overload NAME D COMMAND...: warm-up at D, 2 x D for 30 s, then D/2 for 10 s; the Go upstream and loadgen on CPU 1,
# the service on CPU 0. Recovered: every second from 5 s after the overload on has no error and no answer over 500 ms.
overload() {
  local name="$1" d="$2"; shift 2
  local o="$out/$name" lg=("$BENCH_BIN/loadgen" -target http://127.0.0.1:28000 -upstream http://127.0.0.1:28090
    -mode set -urls 2 -delays fixed:50 -conns 2000 -budget 500ms -timeout 1s) cmd=() a
  mkdir -p "$o"
  for a in "$@"; do cmd+=("${a//\{PORT\}/28000}"); done
  taskset -c 1 "$BENCH_BIN/upstream" -addr 127.0.0.1:28090 > "$o/upstream.log" 2>&1 & local up=$!
  taskset -c 0 "${cmd[@]}" > "$o/sut.log" 2>&1 & local pid=$!
  "$BENCH_BIN/loadgen" -wait http://127.0.0.1:28000/numbers -wait-timeout 90s
  taskset -c 1 "${lg[@]}" -rate "$d" -duration "${OVERLOAD_WARMUP:-20s}" > "$o/warmup.txt" 2>&1 || true
  ( while kill -0 "$pid" 2>/dev/null; do ps -o rss= -p "$pid" >> "$o/rss.txt"; sleep 1; done ) & local sampler=$!
  taskset -c 1 "${lg[@]}" -rate $((2 * d)) -duration 30s -progress > "$o/overload.txt" 2> "$o/overload.progress" || true
  taskset -c 1 "${lg[@]}" -rate $((d / 2)) -duration 10s -progress > "$o/recover.txt" 2> "$o/recover.progress" || true
  kill "$pid" "$up" 2>/dev/null || true; wait "$pid" "$up" 2>/dev/null || true; kill "$sampler" 2>/dev/null || true
  local oom after rss
  oom="$(grep -ci outofmemory "$o/sut.log" || true)"
  # first second from which every following second is clean; -1 when the last one is not
  after="$(awk '/ t= *[0-9]+s /{ split($0, f, "err/s="); split(f[2], e, " "); split($0, m, "max_corrected_ms=");
      n++; bad[n] = (e[1] + 0 > 0 || m[2] + 0 >= 500) }
      END { r = -1; for (i = n; i >= 1 && !bad[i]; i--) r = i - 1; print r }' "$o/recover.progress")"
  rss="$(sort -n "$o/rss.txt" | tail -1)"
  tail -1 "$o/overload.txt" | grep '^{' | sed "s/}\$/,\"recovery\":{\"recovered_after_s\":$after,\"within_s\":5,\"pass\":$([ "$after" -ge 0 ] && [ "$after" -le 5 ] && echo true || echo false)}}/" \
    | sed "s/^/{\"scenario\":\"$name\",\"desc\":\"$((2 * d))\/s 30 s, then $((d / 2))\/s; OutOfMemoryError: $oom\",\"rss_max_kb\":${rss:-0},\"load\":/; s/\$/}/" \
    >> "$out/results.jsonl"
}

large_heap="-XX:+UseSerialGC -Xmx256m" # the large payloads' heap; the JVM's default compilers unless told otherwise
large() { # NAME WARMUP COMMAND...: 3 x 300 000 numbers at 1/s, -Xmx256m; C1 only unless LARGE_OPTS says otherwise
  local name="$1" warmup="$2"; shift 2
  SUT_OPTS="${LARGE_OPTS:-$large_heap -XX:TieredStopAtLevel=1}" "$here/run.sh" --scenarios large --large-rate 1 \
    --warmup "$warmup" --duration 30s --out "$out/$name" -- "$@" > "$out/$name.txt" 2>&1 || true
  sed "s/\"scenario\":\"large\"/\"scenario\":\"$name\"/" "$out/$name/results.jsonl" >> "$out/results.jsonl" || true
}

log "start ($(cat "$out/commit.txt")); $(uptime)"
if [ "$skip_ref" = 0 ]; then
  log ref-A; "$harness/bench.sh" "${P[@]}" "${A[@]}" --label ref-A > "$out/ref-A.txt" 2>&1; record "$out/ref-A.txt"
  log ref-B; "$harness/bench.sh" "${P[@]}" "${B[@]}" --label ref-B > "$out/ref-B.txt" 2>&1; record "$out/ref-B.txt"
  log ref-C; "$harness/bench.sh" "${P[@]}" "${C[@]}" --label ref-C > "$out/ref-C.txt" 2>&1; record "$out/ref-C.txt"
  if [ "$only_abc" = 1 ]; then :; else
  log ref-D; "$harness/scripts/find_max_rate.sh" "${P[@]}" > "$out/ref-D.txt" 2>&1 || true
  rd="$(maxrate "$out/ref-D.txt")"; rs="$(servedrate "$out/ref-D.txt")"; log "ref-D: $rd req/s, served in full $rs req/s"
  log ref-overload; OVERLOAD_WARMUP=5s overload ref-overload "${rs:-$rd}" "${ref[@]}"
  log ref-large; large ref-large 5s "${ref[@]}"
  fi
fi
export SUT_OPTS="$opts"
log A; "$harness/bench.sh" "${P[@]}" "${A[@]}" --warmup 20s --label numbers-A -- "${sut[@]}" > "$out/numbers-A.txt" 2>&1; record "$out/numbers-A.txt"
log B; "$harness/bench.sh" "${P[@]}" "${B[@]}" --warmup 20s --label numbers-B -- "${sut[@]}" > "$out/numbers-B.txt" 2>&1; record "$out/numbers-B.txt"
log C; "$harness/bench.sh" "${P[@]}" "${C[@]}" --warmup 20s --label numbers-C -- "${sut[@]}" > "$out/numbers-C.txt" 2>&1; record "$out/numbers-C.txt"
log C40; "$harness/bench.sh" "${P[@]}" "${C40[@]}" --warmup 20s --label numbers-C40 -- "${sut[@]}" > "$out/numbers-C40.txt" 2>&1; record "$out/numbers-C40.txt"
if [ "$only_abc" = 1 ]; then
  log done; java -cp "$here/target/numbers-bench.jar" dev.numbers.bench.ResultsTable "$out/results.jsonl" | tee "$out/results.md"
  exit 0
fi
log D; "$harness/scripts/find_max_rate.sh" "${P[@]}" --start 1250 --warmup 20s -- "${sut[@]}" > "$out/numbers-D.txt" 2>&1 || true
nd="$(maxrate "$out/numbers-D.txt")"; ns="$(servedrate "$out/numbers-D.txt")"
log "numbers-D: $nd req/s, served in full $ns req/s"
# find_max_rate.sh steps by doubling (1 250, 2 500, 5 000 …), so the rate served in full is known only to that grain.
# Issue #5's target is twice the reference's: run that one rate as a D step (same warm-up, up to two tries) and judge
# it by the stricter rule, 503s counted as errors. Only with the reference measured in the same sitting.
dtarget() { # RATE -> "PASS|FAIL (try N: …)" on stdout; each try's table row recorded
  local r="$1" try f verdict=FAIL tries=""
  for try in 0 1; do
    f="$out/numbers-D-target-t$try.txt"
    "$harness/bench.sh" "${P[@]}" --mode set --urls 2 --delays fixed:50 --conns 2000 --duration 20s --warmup 20s \
      --rate "$r" --label "numbers-D-$r-t$try" -- "${sut[@]}" > "$f" 2>&1 || true
    record "$f"
    tries+="$(tail -1 "$f" | awk -v t="$try" '{ p = $0; sub(/.*"corrected_ms":\{[^}]*"p999":/, "", p); sub(/[,}].*/, "", p)
        o = $0; sub(/.*"over_budget_or_no_answer_pct":/, "", o); sub(/[,}].*/, "", o)
        e = $0; sub(/.*"errors_total":/, "", e); sub(/[,}].*/, "", e)
        n = $0; sub(/.*"scheduled":/, "", n); sub(/[,}].*/, "", n)
        printf "; try %d: p99.9 %s ms, %s %% late or unanswered, %.2f %% errors (503 included)", t, p, o, n ? 100 * e / n : 100
        exit !(p + 0 < 500 && o + 0 < 0.1 && n > 0 && e / n < 0.001) }')" && { verdict=PASS; break; }
  done
  echo "$verdict${tries}"
}
if [ -n "${rs:-}" ]; then
  nt=$((2 * rs)); log "D at twice the reference, $nt req/s"
  ntv="$(dtarget "$nt")"; log "numbers-D-$nt: $ntv"
fi
log overload; overload numbers-overload "${ns:-$nd}" "${sut[@]}"
log large; large numbers-large 20s "${sut[@]}"
# One request a second of long parsing and merging loops: what C2 compiles best, and what C1 only (chosen above for
# cold starts at high rates) slows down. Again with the JVM's default compilers.
log large-default-compilers; LARGE_OPTS="$large_heap" large numbers-large-default-compilers 20s "${sut[@]}"
log rss; SUT_OPTS="-XX:+UseSerialGC -Xms128m -Xmx128m -XX:TieredStopAtLevel=1" "$harness/bench.sh" "${P[@]}" "${A[@]}" \
  --warmup 20s --label numbers-A-heap-128m -- "${sut[@]}" > "$out/numbers-A-128m.txt" 2>&1; record "$out/numbers-A-128m.txt"
log done
{
  echo "D (find_max_rate.sh): reference ${rd:-not measured} req/s, numbers $nd req/s; served in full (< 0.1 % 503s):" \
    "reference ${rs:-not measured} req/s, numbers $ns req/s. Overload at 2 x the rate served in full."
  [ -z "${nt:-}" ] || echo "D at twice the reference's rate served in full, $nt req/s (p99.9 < 500 ms, < 0.1 % late or" \
    "unanswered, < 0.1 % 503s): $ntv."
  java -cp "$here/target/numbers-bench.jar" dev.numbers.bench.ResultsTable "$out/results.jsonl"
} | tee "$out/results.md"
