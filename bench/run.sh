#!/usr/bin/env bash
# bench/run.sh: the project's own benchmark of a /numbers service, in one command.
#
# Starts the fake upstream (dev.numbers.bench.FakeUpstream) and the service under test (SUT), pins the SUT to
# SUT_CPUS (default 0) and upstream + load generator to LOAD_CPUS (default 1), waits until both answer, then runs
# the selected scenarios with the open-loop load generator (dev.numbers.bench.LoadGenerator), samples the SUT's
# RSS and CPU from /proc, stops everything it started (by PID) and prints a Markdown table.
# Loopback only (127.0.0.1); every load run is bounded in time.
#
# Usage:
#   bench/run.sh [options] [-- SUT_COMMAND ARGS...]      '{PORT}' in the command is replaced by --port
# Without a command the WAR is served by a Jetty 12.1 home started here:
#   (cd REPO && java $SUT_JAVA_OPTS -jar $JETTY_HOME/start.jar jetty.base=jetty-base jetty.http.host=127.0.0.1 jetty.http.port={PORT})
#   JETTY_HOME defaults to bench/target/jetty-home-12.1.8 (unpacked by `mvn package`); build the WAR first (`mvn package`).
# The SUT always gets NUMBERS_ALLOWED_NETWORKS=127.0.0.0/8,::1/128 in its environment (the upstream is on loopback).
#
# Scenarios (--scenarios, comma-separated, or "all"):
#   A         800/s, 2 classic URLs (/primes,/fibo: random 0-549 ms, 10% 503)
#   B         800/s, 6 classic URLs
#   C         500/s, 4 /set URLs with delays uniform 0-550 ms (completeness, impossible inclusions)
#   D         highest rate with corrected p99.9 < budget and < 0.1% late/unanswered, 2 /set URLs of 50 ms;
#             steps --d-start, x2, x4 ... until a step fails, then bisects --bisect times (a failing step is retried once)
#   overload  2 x D for --overload-duration, then D/2 for --recover-duration: recovered if every second from
#             --recover-within (5 s) after the overload on is on time (< 0.1% late, non-200 or invalid)
#   large     3 upstreams x --large-n (300 000) numbers each (/big, ranges overlapping by half) at --large-rate/s
#
# Options (defaults in brackets; env var in caps):
#   --scenarios L       [all]                                   (SCENARIOS)
#   --duration D        measured run per scenario, <= 120s [30s] (DURATION)
#   --warmup D          warm-up before the first scenario [20s]; the others get 3s (WARMUP)
#   --port N            SUT port [28000]                        (PORT)
#   --upstream-port N   fake upstream port [28090]              (UP_PORT)
#   --conns C           connections for A/B/C [800]; D/overload use 2000 (CONNS)
#   --d-rate R          skip D's search and use R               (D_RATE)
#   --d-start R [500]  --d-max R [32000]  --bisect N [2]  --d-duration D [20s, capped at --duration]
#   --overload-duration D [30s]  --recover-duration D [10s]  --recover-within D [5s]
#   --large-rate R [5]  --large-n N [300000]
#   --budget D          [500ms]                                 (BUDGET)
#   --out DIR           logs and results [bench/results/<time>]  (OUT)
#   --ready-timeout S   [90]                                    (READY_TIMEOUT)
#   --sut-cpus L / --load-cpus L   taskset CPU lists [0 / 1]    (SUT_CPUS / LOAD_CPUS)
#   --no-pin            do not use taskset                      (NO_PIN=1)
# JVM options: SUT_JAVA_OPTS (default SUT only), BENCH_JAVA_OPTS (upstream and loadgen).
#
# Output: the loadgen summary of each scenario, then a Markdown table (also in OUT/results.md); one JSON
# record per scenario in OUT/results.jsonl.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"

SCENARIOS="${SCENARIOS:-all}"; DURATION="${DURATION:-30s}"; WARMUP="${WARMUP:-20s}"
PORT="${PORT:-28000}"; UP_PORT="${UP_PORT:-28090}"; CONNS="${CONNS:-800}"
D_RATE="${D_RATE:-}"; D_START="${D_START:-500}"; D_MAX="${D_MAX:-32000}"; BISECT="${BISECT:-2}"; D_DURATION="${D_DURATION:-20s}"
OVERLOAD_DURATION="${OVERLOAD_DURATION:-30s}"; RECOVER_DURATION="${RECOVER_DURATION:-10s}"; RECOVER_WITHIN="${RECOVER_WITHIN:-5s}"
LARGE_RATE="${LARGE_RATE:-5}"; LARGE_N="${LARGE_N:-300000}"; BUDGET="${BUDGET:-500ms}"
OUT="${OUT:-}"; READY_TIMEOUT="${READY_TIMEOUT:-90}"
SUT_CPUS="${SUT_CPUS:-0}"; LOAD_CPUS="${LOAD_CPUS:-1}"; NO_PIN="${NO_PIN:-0}"
BENCH_JAVA_OPTS="${BENCH_JAVA_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xms512m -Xmx2g}"
SUT_JAVA_OPTS="${SUT_JAVA_OPTS:-}"

sut_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --scenarios) SCENARIOS="$2"; shift 2;;
    --duration) DURATION="$2"; shift 2;;
    --warmup) WARMUP="$2"; shift 2;;
    --port) PORT="$2"; shift 2;;
    --upstream-port) UP_PORT="$2"; shift 2;;
    --conns) CONNS="$2"; shift 2;;
    --d-rate) D_RATE="$2"; shift 2;;
    --d-start) D_START="$2"; shift 2;;
    --d-max) D_MAX="$2"; shift 2;;
    --bisect) BISECT="$2"; shift 2;;
    --d-duration) D_DURATION="$2"; shift 2;;
    --overload-duration) OVERLOAD_DURATION="$2"; shift 2;;
    --recover-duration) RECOVER_DURATION="$2"; shift 2;;
    --recover-within) RECOVER_WITHIN="$2"; shift 2;;
    --large-rate) LARGE_RATE="$2"; shift 2;;
    --large-n) LARGE_N="$2"; shift 2;;
    --budget) BUDGET="$2"; shift 2;;
    --out) OUT="$2"; shift 2;;
    --ready-timeout) READY_TIMEOUT="$2"; shift 2;;
    --sut-cpus) SUT_CPUS="$2"; shift 2;;
    --load-cpus) LOAD_CPUS="$2"; shift 2;;
    --no-pin) NO_PIN=1; shift;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0;;
    --) shift; sut_args=("$@"); break;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2;;
  esac
done
[ "$SCENARIOS" = all ] && SCENARIOS="A,B,C,D,overload,large"

secs() { # 30s / 1500ms / 2m / 30 -> whole seconds, rounded up
  local v="$1"
  case "$v" in
    *ms) echo $(( (${v%ms} + 999) / 1000 ));;
    *s) echo "${v%s}";;
    *m) echo $(( ${v%m} * 60 ));;
    *) echo "$v";;
  esac
}
DUR_S="$(secs "$DURATION")"; WARM_S="$(secs "$WARMUP")"
[ "$DUR_S" -ge 1 ] && [ "$DUR_S" -le 120 ] || { echo "run.sh: --duration must be 1s..120s" >&2; exit 2; }
[ "$WARM_S" -le 120 ] || { echo "run.sh: --warmup must be <= 120s" >&2; exit 2; }
D_DUR_S="$(secs "$D_DURATION")"; [ "$D_DUR_S" -le "$DUR_S" ] || D_DUR_S="$DUR_S"
OV_S="$(secs "$OVERLOAD_DURATION")"; REC_S="$(secs "$RECOVER_DURATION")"
[ "$OV_S" -le 120 ] && [ "$REC_S" -le 60 ] || { echo "run.sh: --overload-duration <= 120s, --recover-duration <= 60s" >&2; exit 2; }
BUDGET_MS="$(( $(echo "$BUDGET" | sed 's/ms$//; s/s$/000/') ))"

# ---- tools
jar="$here/target/numbers-bench.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$here/src/main" "$here/pom.xml" -newer "$jar" -print -quit 2>/dev/null)" ]; then
  echo "run.sh: building the bench tools (mvn -B -q package -DskipTests in bench/)" >&2
  (cd "$here" && mvn -B -q package -DskipTests) >&2
fi
# shellcheck disable=SC2206
bjava=(java $BENCH_JAVA_OPTS -cp "$jar")

# ---- SUT command
if [ ${#sut_args[@]} -gt 0 ]; then
  cmd=("${sut_args[@]}")
else
  JETTY_HOME="${JETTY_HOME:-$here/target/jetty-home-12.1.8}"
  [ -f "$JETTY_HOME/start.jar" ] || { echo "run.sh: no Jetty home at $JETTY_HOME (run mvn package in bench/, or set JETTY_HOME)" >&2; exit 1; }
  [ -d "$repo/jetty-base" ] || { echo "run.sh: no $repo/jetty-base yet; pass the service's start command after --" >&2; exit 1; }
  [ -f "$repo/target/numbers.war" ] || { echo "run.sh: no $repo/target/numbers.war; run mvn package in $repo first" >&2; exit 1; }
  # shellcheck disable=SC2206
  cmd=(bash -c "cd \"\$1\" && exec java $SUT_JAVA_OPTS -jar \"\$2/start.jar\" jetty.base=jetty-base jetty.http.host=127.0.0.1 jetty.http.port=\"\$3\"" sut "$repo" "$JETTY_HOME" "{PORT}")
fi
for i in "${!cmd[@]}"; do cmd[$i]="${cmd[$i]//\{PORT\}/$PORT}"; done

pin_sut=(); pin_load=()
if [ "$NO_PIN" != 1 ]; then
  if command -v taskset >/dev/null && [ "$(nproc --all)" -ge 2 ]; then
    pin_sut=(taskset -c "$SUT_CPUS"); pin_load=(taskset -c "$LOAD_CPUS")
  else
    echo "run.sh: taskset missing or fewer than 2 CPUs; running unpinned" >&2
  fi
fi

[ -n "$OUT" ] || OUT="$here/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
results="$OUT/results.jsonl"; : > "$results"

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$PORT" "$UP_PORT"; do
  if port_busy "$p"; then echo "run.sh: 127.0.0.1:$p is already in use; stop that first or pick another port" >&2; exit 1; fi
done

# ---- process bookkeeping: only what this script started, always by PID
UP_PID=""; SUT_PID=""; LG_PID=""; SAMPLER_PID=""
tree_pids() { local p="$1" c; echo "$p"; for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do tree_pids "$c"; done; }
stop_tree() {
  local root="$1" pids p i
  [ -n "$root" ] && kill -0 "$root" 2>/dev/null || return 0
  pids="$(tree_pids "$root" | tac)"
  for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
  for i in $(seq 50); do kill -0 "$root" 2>/dev/null || break; sleep 0.1; done
  for p in $pids; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null || true; done
  wait "$root" 2>/dev/null || true
}
cleanup() {
  set +e
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null && wait "$SAMPLER_PID" 2>/dev/null
  [ -n "$LG_PID" ] && stop_tree "$LG_PID"
  [ -n "$SUT_PID" ] && stop_tree "$SUT_PID"
  [ -n "$UP_PID" ] && stop_tree "$UP_PID"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- start upstream and SUT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
"${pin_load[@]}" "${bjava[@]}" dev.numbers.bench.FakeUpstream --addr "127.0.0.1:$UP_PORT" > "$OUT/upstream.log" 2>&1 &
UP_PID=$!
printf '%q ' "${cmd[@]}" > "$OUT/sut_cmd.txt"; echo >> "$OUT/sut_cmd.txt"
NUMBERS_ALLOWED_NETWORKS="${NUMBERS_ALLOWED_NETWORKS:-127.0.0.0/8,::1/128}" "${pin_sut[@]}" "${cmd[@]}" > "$OUT/sut.log" 2>&1 &
SUT_PID=$!
lg() { "${bjava[@]}" dev.numbers.bench.LoadGenerator "$@"; }
lg --wait "http://127.0.0.1:$UP_PORT/health" --wait-timeout 20s || { echo "run.sh: upstream did not start" >&2; cat "$OUT/upstream.log" >&2; exit 1; }
lg --wait "http://127.0.0.1:$PORT/numbers" --wait-timeout "${READY_TIMEOUT}s" || { echo "run.sh: SUT not ready on port $PORT" >&2; tail -20 "$OUT/sut.log" >&2; exit 1; }
kill -0 "$SUT_PID" 2>/dev/null || { echo "run.sh: SUT exited" >&2; tail -20 "$OUT/sut.log" >&2; exit 1; }

# ---- SUT sampling: one line a second "epoch rss_kb threads" (bounded by the longest possible run)
tree_mem() {
  local r=0 th=0 p v
  for p in $(tree_pids "$1"); do
    v="$(awk '/^VmRSS:/{r=$2} /^Threads:/{t=$2} END{print r+0, t+0}' "/proc/$p/status" 2>/dev/null)" || continue
    r=$(( r + ${v% *} )); th=$(( th + ${v#* } ))
  done
  echo "$r $th"
}
tree_cpu_ticks() {
  local t=0 p s
  for p in $(tree_pids "$1"); do
    s="$(awk '{l=$0; sub(/^.*\) /, "", l); split(l, a, " "); print a[12]+a[13]}' "/proc/$p/stat" 2>/dev/null)" || continue
    [ -n "$s" ] && t=$(( t + s ))
  done
  echo "$t"
}
sampler() {
  local i
  for i in $(seq 7200); do
    kill -0 "$SUT_PID" 2>/dev/null || break
    echo "$(date +%s) $(tree_mem "$SUT_PID")"
    sleep 1
  done
}
sampler > "$OUT/rss.txt" &
SAMPLER_PID=$!
CLK_TCK="$(getconf CLK_TCK)"
echo "run.sh: out=$OUT sut_pid=$SUT_PID scenarios=$SCENARIOS duration=$DURATION warmup=$WARMUP"
echo "run.sh: SUT: $(cat "$OUT/sut_cmd.txt")"
echo "run.sh: SUT rss after start: $(tree_mem "$SUT_PID" | cut -d' ' -f1) kB"

FIRST=1
# run_lg NAME SECONDS_BOUND ARGS... : one bounded loadgen run; output in $OUT/NAME.txt; sets LG_JSON, T0, T1, CPU_PCT
run_lg() {
  local name="$1" bound="$2"; shift 2
  local c0 c1 e
  T0="$(date +%s)"; c0="$(tree_cpu_ticks "$SUT_PID")"; local t0n; t0n="$(date +%s.%N)"
  "${pin_load[@]}" timeout -k 5 "$bound" "${bjava[@]}" dev.numbers.bench.LoadGenerator \
      --target "http://127.0.0.1:$PORT" --upstream "http://127.0.0.1:$UP_PORT" --budget "$BUDGET" --label "$name" "$@" \
      > "$OUT/$name.txt" 2> "$OUT/$name.stderr" &
  LG_PID=$!
  wait "$LG_PID" || true
  LG_PID=""
  T1="$(date +%s)"; c1="$(tree_cpu_ticks "$SUT_PID")"
  e="$(awk -v a="$t0n" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')"
  CPU_PCT="$(awk -v a="$c0" -v b="$c1" -v hz="$CLK_TCK" -v e="$e" 'BEGIN{printf "%.1f", 100*(b-a)/hz/e}')"
  LG_JSON="$(tail -1 "$OUT/$name.txt")"
  case "$LG_JSON" in "{"*) ;; *) LG_JSON="null"; echo "run.sh: $name: loadgen printed no JSON (see $OUT/$name.stderr)" >&2;; esac
  sed '$d' "$OUT/$name.txt"
  grep -v '^loadgen: warm-up' "$OUT/$name.stderr" | head -5 | sed 's/^/  [loadgen stderr] /' || true
  grep '^loadgen: warm-up' "$OUT/$name.stderr" | sed 's/^/  /' || true
}
rss_between() { # max RSS (kB) sampled in [T0, T1]
  awk -v a="$1" -v b="$2" 'BEGIN{m=0} $1>=a && $1<=b+1 && $2>m {m=$2} END{print m}' "$OUT/rss.txt"
}
json_str() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
record() { # scenario desc [note]
  local note="${3:-}" rss
  rss="$(rss_between "$T0" "$T1")"
  printf '{"scenario":%s,"desc":%s,"rss_max_kb":%s,"sut_cpu_pct":%s,"sut_alive":%s%s,"load":%s}\n' \
    "$(json_str "$1")" "$(json_str "$2")" "${rss:-0}" "${CPU_PCT:-0}" "$(kill -0 "$SUT_PID" 2>/dev/null && echo true || echo false)" \
    "$( [ -n "$note" ] && printf ',"note":%s' "$(json_str "$note")" )" "$LG_JSON" >> "$results"
}
warm() { if [ "$FIRST" = 1 ]; then FIRST=0; echo "$WARMUP"; else echo 3s; fi; }
jget() { printf '%s' "$1" | sed -n "s/.*$2.*/\\1/p"; }
judge() { # JSON -> PASS|FAIL (corrected p99.9 < budget and late-or-unanswered < 0.1%), as scripts/find_max_rate.sh
  local p over
  p="$(jget "$1" '"corrected_ms":{[^}]*"p999":\([0-9.]*\)')"; over="$(jget "$1" '"over_budget_or_no_answer_pct":\([0-9.]*\)')"
  [ -n "$p" ] && [ -n "$over" ] || { echo ERROR; return; }
  awk -v p="$p" -v o="$over" -v b="$BUDGET_MS" 'BEGIN{print (p < b && o < 0.1) ? "PASS" : "FAIL"}'
}

scenario() {
  local s="$1" w; w="$(warm)"
  case "$s" in
    A) echo "== A: 800/s, 2 classic URLs ($DURATION)"
       run_lg A $(( DUR_S + $(secs "$w") + 60 )) --rate 800 --conns "$CONNS" --urls 2 --mode classic --paths primes,fibo --duration "$DURATION" --warmup "$w"
       record A "800/s, 2 classic URLs";;
    B) echo "== B: 800/s, 6 classic URLs ($DURATION)"
       run_lg B $(( DUR_S + $(secs "$w") + 60 )) --rate 800 --conns "$CONNS" --urls 6 --mode classic --duration "$DURATION" --warmup "$w"
       record B "800/s, 6 classic URLs";;
    C) echo "== C: 500/s, 4 set URLs, delays uniform 0-550 ms ($DURATION)"
       run_lg C $(( DUR_S + $(secs "$w") + 60 )) --rate 500 --conns "$CONNS" --urls 4 --mode set --delays uniform:0-550 --duration "$DURATION" --warmup "$w"
       record C "500/s, 4 set URLs 0-550 ms";;
    D) scenario_d "$w";;
    overload)
       [ -n "$D_RATE" ] || { echo "run.sh: overload needs D (run D first, or --d-rate R)" >&2; return; }
       local orate=$(( D_RATE * 2 )) rrate=$(( D_RATE / 2 ))
       echo "== overload: ${orate}/s (2 x D) for ${OV_S}s, then ${rrate}/s for ${REC_S}s"
       run_lg overload $(( OV_S + REC_S + $(secs "$w") + 60 )) --rate "$orate" --conns 2000 --urls 2 --mode set --delays fixed:50 \
         --duration "${OV_S}s" --warmup "$w" --recover-rate "$rrate" --recover-duration "${REC_S}s" --recover-within "$RECOVER_WITHIN"
       record overload "${orate}/s (2 x D), 2 set URLs 50 ms; then ${rrate}/s";;
    large)
       echo "== large: 3 upstreams x $LARGE_N numbers at ${LARGE_RATE}/s ($DURATION)"
       run_lg large $(( DUR_S + $(secs "$w") + 60 )) --rate "$LARGE_RATE" --conns 64 --urls 3 --mode big --big-n "$LARGE_N" \
         --duration "$DURATION" --warmup "$w" --timeout 5s
       record large "${LARGE_RATE}/s, 3 x $LARGE_N numbers";;
    *) echo "run.sh: unknown scenario $s" >&2;;
  esac
}

scenario_d() {
  local w="$1" r try v last_pass=0 first_fail=0 steps="" lo hi mid best_json="null" best_t0=0 best_t1=0 best_cpu=0
  if [ -n "$D_RATE" ]; then echo "== D: given --d-rate $D_RATE (no search)"; return; fi
  echo "== D: max rate with corrected p99.9 < ${BUDGET_MS} ms and < 0.1% late/unanswered; 2 set URLs 50 ms; ${D_DUR_S}s steps"
  d_step() { # rate -> 0 on PASS (one retry)
    local r="$1" t
    for t in 0 1; do
      run_lg "D-r$r-t$t" $(( D_DUR_S + $(secs "$w") + 60 )) --rate "$r" --conns 2000 --urls 2 --mode set --delays fixed:50 \
        --duration "${D_DUR_S}s" --warmup "$w" > /dev/null
      w=3s
      v="$(judge "$LG_JSON")"
      echo "   D: rate $r (try $t): $v  p99.9=$(jget "$LG_JSON" '"corrected_ms":{[^}]*"p999":\([0-9.]*\)') ms  late_or_unanswered=$(jget "$LG_JSON" '"over_budget_or_no_answer_pct":\([0-9.]*\)')%"
      steps="$steps $r:$v"
      if [ "$v" = PASS ]; then best_json="$LG_JSON"; best_t0="$T0"; best_t1="$T1"; best_cpu="$CPU_PCT"; return 0; fi
      [ "$v" = ERROR ] && return 1
      sleep 2
    done
    return 1
  }
  r="$D_START"
  while [ "$r" -le "$D_MAX" ]; do
    if d_step "$r"; then last_pass="$r"; r=$(( r * 2 )); else first_fail="$r"; break; fi
    sleep 2
  done
  local pass_json="$best_json" pass_t0="$best_t0" pass_t1="$best_t1" pass_cpu="$best_cpu"
  if [ "$first_fail" -gt 0 ] && [ "$last_pass" -gt 0 ]; then
    lo="$last_pass"; hi="$first_fail"
    for _ in $(seq "$BISECT"); do
      mid=$(( (lo + hi) / 2 )); [ "$mid" -le "$lo" ] && break
      sleep 2
      if d_step "$mid"; then lo="$mid"; pass_json="$best_json"; pass_t0="$best_t0"; pass_t1="$best_t1"; pass_cpu="$best_cpu"; else hi="$mid"; fi
    done
    last_pass="$lo"; first_fail="$hi"
  fi
  echo "   D: highest passing rate $last_pass/s; lowest failing ${first_fail}/s; steps:$steps"
  D_RATE="$last_pass"
  LG_JSON="$pass_json"; T0="$pass_t0"; T1="$pass_t1"; CPU_PCT="$pass_cpu"
  if [ "$last_pass" -gt 0 ]; then
    record D "max ${last_pass}/s, 2 set URLs 50 ms" "first failing ${first_fail}/s; steps:$steps"
  else
    LG_JSON=null; record D "no passing rate from $D_START/s" "steps:$steps"; D_RATE=""
  fi
}

IFS=',' read -r -a list <<< "$SCENARIOS"
for s in "${list[@]}"; do
  scenario "$s"
  kill -0 "$SUT_PID" 2>/dev/null || { echo "run.sh: the SUT died during $s (see $OUT/sut.log)" >&2; break; }
  sleep 2
done

echo
echo "## Results ($(date -u +%FT%TZ), SUT: $(sed "s|$repo/||g; s|$HOME|~|g" "$OUT/sut_cmd.txt"))"
echo
"${bjava[@]}" dev.numbers.bench.ResultsTable "$results" | tee "$OUT/results.md"
echo
echo "run.sh: SUT rss max over the whole run: $(awk 'BEGIN{m=0} $2>m{m=$2} END{print m}' "$OUT/rss.txt") kB; records in $results"
