#!/usr/bin/env bash
# bench/big-probe.sh: the large payloads one request at a time — 3 upstreams x 300 000 numbers (bench's FakeUpstream
# /big, ranges overlapping by half, as the sittings' large scenario), 50 requests each sent 0.6 s after the previous
# answer, the first 20 a warm-up; then the service's own counters. Where the sittings' open-loop runs at 1/s are
# bimodal from run to run, this shows what a change does to one request and to the next: the measured 30 answers'
# Server-Timing (how long, how many upstreams merged) and the service's upstream outcomes over all 50.
# FakeUpstream on CPU 1, the service on CPU 0, -Xmx256m as in the sittings' large runs.
#
# Usage: bench/big-probe.sh [COMMAND...]   (COMMAND serves /numbers and /metrics on {PORT}; default: this
#        repository's bench/sut.sh). Needs `cd bench && mvn package`. Prints two lines.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -gt 0 ] || set -- "$here/sut.sh" '{PORT}'
export SUT_OPTS="${SUT_OPTS:--XX:+UseSerialGC -Xmx256m -XX:TieredStopAtLevel=1}"
export JETTY_HOME="${JETTY_HOME:-$here/target/jetty-home-12.1.8}"
cmd=(); for a in "$@"; do cmd+=("${a//\{PORT\}/28000}"); done
for port in 28000 28090; do
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
    echo "big-probe.sh: port $port is in use (a process left from another run?)" >&2; exit 1
  fi
done
out="$(mktemp -d)"
up=""; sut=""
stop() { # keeps the logs of a failed run
  local rc=$?
  kill $up $sut 2>/dev/null || true; wait 2>/dev/null || true
  if [ "$rc" = 0 ]; then rm -rf "$out"; else echo "big-probe.sh: failed; logs in $out" >&2; fi
}
trap stop EXIT
taskset -c 1 java -cp "$here/target/numbers-bench.jar" dev.numbers.bench.FakeUpstream --addr 127.0.0.1:28090 \
  > "$out/upstream.log" 2>&1 &
up=$!
taskset -c 0 "${cmd[@]}" > "$out/sut.log" 2>&1 &
sut=$!
ready=0
for _ in $(seq 60); do
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:28000/numbers"; then ready=1; break; fi
  kill -0 "$sut" 2>/dev/null || break
  sleep 1
done
[ "$ready" = 1 ] || { echo "big-probe.sh: the service did not start" >&2; exit 1; }
big="http://127.0.0.1:28090/big?n=300000%26start"
query="u=$big=0&u=$big=150000&u=$big=300000"
for i in $(seq 50); do
  timing="$(curl -s -o /dev/null -D - --max-time 5 "http://127.0.0.1:28000/numbers?$query" | tr -d '\r' \
    | sed -n 's/^[Ss]erver-[Tt]iming: total;dur=\([0-9.]*\).*desc="\([0-9]*\)\/\([0-9]*\)".*/\1 \2 \3/p')" \
    || timing="" # no answer within 5 s: counted as late and without its upstreams
  [ "$i" -gt 20 ] && echo "${timing:-5000 0 3}" >> "$out/timings"
  sleep 0.6
done
sort -n "$out/timings" | awk '{ n++; d[n] = $1; if ($2 < $3) partial++; if ($1 > 500) late++ }
  END { printf "answers %d: p50 %d ms, max %d ms, over 500 ms %d, without every upstream %d\n", n, d[int((n + 1) / 2)], d[n], late, partial }'
{ curl -s --max-time 5 http://127.0.0.1:28000/metrics || true; } | { grep '^numbers_upstream_fetches_total' || true; } \
  | sed 's/numbers_upstream_fetches_total{outcome="\([a-z_]*\)"} \([0-9]*\).*/\1 \2/' | awk '$2 > 0' | tr '\n' ' ' \
  | sed 's/^/upstream fetches over all 50: /; s/ $/\n/'
