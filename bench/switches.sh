#!/usr/bin/env bash
# bench/switches.sh: CPU time and context switches per request of one service at a fixed rate — the figures of
# docs/performance.md for handling upstream responses on the selector thread. The shared harness's Go upstream and load
# generator on CPU 1, the service on CPU 0, D's upstreams (fixed 50 ms); 20 s warm-up, then 20 s measured, reading
# the service's /proc/<pid>/stat (user, system time) and every thread's voluntary + involuntary context switches.
#
# Usage: bench/switches.sh RATE URLS [COMMAND...]   (COMMAND serves /numbers on {PORT}; default: this repository's
#        bench/sut.sh as in the sittings, SUT_OPTS as there). Needs BENCH_BIN (../shared/bench/build.sh).
#        SWITCHES_PATH=/health measures the container's floor instead: the same requests sent to the trivial health
#        servlet, which fetches nothing (default /numbers). SWITCHES_CONNS: the load generator's connections [800].
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${BENCH_BIN:?set BENCH_BIN to the shared harness tools (see ../shared/bench/README.md)}"
rate="$1" urls="$2"; shift 2
[ $# -gt 0 ] || set -- "$here/sut.sh" '{PORT}'
# shellcheck source=bench/jvm-options.sh
. "$here/jvm-options.sh"
export SUT_OPTS="${SUT_OPTS:-$BENCH_JVM_OPTS}"
export JETTY_HOME="${JETTY_HOME:-$here/target/jetty-home-12.1.8}"
cmd=(); for a in "$@"; do cmd+=("${a//\{PORT\}/28000}"); done
path="${SWITCHES_PATH:-/numbers}"
lg=("$BENCH_BIN/loadgen" -target http://127.0.0.1:28000 -upstream http://127.0.0.1:28090 -mode set -urls "$urls"
  -delays fixed:50 -conns "${SWITCHES_CONNS:-800}" -path "$path" -budget 500ms -timeout 1s -rate "$rate" -duration 20s)

taskset -c 1 "$BENCH_BIN/upstream" -addr 127.0.0.1:28090 > /dev/null 2>&1 & up=$!
taskset -c 0 "${cmd[@]}" > /dev/null 2>&1 & sut=$!
trap 'kill "$sut" "$up" 2>/dev/null || true; wait "$sut" "$up" 2>/dev/null || true' EXIT
"$BENCH_BIN/loadgen" -wait http://127.0.0.1:28000/numbers -wait-timeout 90s
pid="$(pgrep -P "$sut" java || echo "$sut")" # sut.sh execs java; a wrapper that forks shows up as the child

sample() { # user system (ms) and context switches so far
  local stat switches
  read -r -a stat < <(sed 's/^.*) //' "/proc/$pid/stat")
  switches="$(cat /proc/"$pid"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { n += $2 } END { print n }')"
  echo "$((stat[11] * 1000 / $(getconf CLK_TCK))) $((stat[12] * 1000 / $(getconf CLK_TCK))) $switches"
}
taskset -c 1 "${lg[@]}" > /dev/null 2>&1
read -r u0 s0 c0 < <(sample)
taskset -c 1 "${lg[@]}" > /tmp/switches-load.txt 2>&1
read -r u1 s1 c1 < <(sample)
threads="$(ls "/proc/$pid/task" | wc -l)"
n=$((rate * 20))
awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v c=$((c1 - c0)) -v n="$n" -v t="$threads" -v r="$rate" -v k="$urls" \
  -v p="$path" 'BEGIN { printf "%s at %d/s, %d upstreams: user %.3f + system %.3f ms CPU per request, %.1f context switches per request, %d threads\n", p, r, k, u / n, s / n, c / n, t }'
grep -E "over 500ms" /tmp/switches-load.txt | sed 's/^ */  /'
