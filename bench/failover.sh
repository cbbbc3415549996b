#!/usr/bin/env bash
# bench/failover.sh: three instances of the WAR behind HAProxy (deploy/haproxy/haproxy.cfg), an open-loop load through
# HAProxy, and under that load one instance's graceful stop, another's kill -9 and its restart. Prints one Markdown
# table, a row per phase, from the shared harness's loadgen and HAProxy's admin socket.
#
# Usage: bench/failover.sh [--rate R] [--phase S] [--event-at S] [--warmup S] [--conns C] [--urls K] [--delays D]
#                          [--drain-period D] [--phases LIST] [--retry-on LIST] [--lb-port P] [--ports P1,P2,P3]
#                          [--stats-port P] [--upstream-port P] [--war FILE] [--out DIR]
# Defaults: --rate 1250 (requests/s, set mode, --urls 2 of --delays fixed:50: scenario D's request; about half of
# what the three instances served together on a 2-core machine, 2 500-3 000/s, see docs/operations.md), --phase 10
# (seconds per phase), --event-at 2 (seconds into the phase), --warmup 20 (seconds at the rate, not counted),
# --conns 800, --phases steady,graceful,kill,restart, ports 29100 (HAProxy), 29101-29103 (instances), 29104 (stats
# page), 29190 (upstream), --war target/numbers.war, --out bench/results/failover-<time>. --retry-on replaces the
# config's retry-on list in the copy this run uses ('conn-failure' alone is HAProxy's default: no L7 retries).
#
# Phases, in this order, each one loadgen run of --phase seconds, back to back (each opens its --conns connections
# again, before its clock starts, so no phase inherits the previous one's queue):
#   steady    all three instances up
#   graceful  SIGTERM to instance n1's java process at --event-at, as an operator stops it; reports the time until
#             HAProxy marks n1 DOWN and until the process exits
#   kill      kill -9 of instance n2 at --event-at; the time until HAProxy marks it DOWN
#   restart   instance n2 started again at --event-at; the time until HAProxy marks it UP (after the phase if need be)
# n1 stays stopped after its phase, so kill and restart run on n3 (and n2 once back), as in a rolling incident.
#
# Environment: INSTANCE_JVM_OPTS, every instance's JVM options [those of bench/jvm-options.sh and
# -XX:+ExitOnOutOfMemoryError]; NUMBERS_DRAIN_PERIOD, passed to the instances as the setting
# numbers.drainPeriod [2s: longer than HAProxy's 0.25-1.25 s to mark an instance DOWN; --drain-period '' passes
# none]; JETTY_HOME [target/it-containers/jetty-home-12.1.8]; BENCH_BIN, the shared harness's tools [/tmp/bench/bin].
# Needs haproxy (2.6+), python3, curl. Nothing is pinned: all processes share the machine's cores. Loopback only;
# about 80 s with the defaults; everything started is stopped by PID on exit.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
# shellcheck source=bench/instances.sh
. "$here/instances.sh"
rate=1250; phase=10; event_at=2; warmup=20; conns=800; urls=2; delays=fixed:50
drain="${NUMBERS_DRAIN_PERIOD-2s}"; phases="steady,graceful,kill,restart"; retry_on=""
lb_port=29100; ports="29101,29102,29103"; stats_port=29104; up_port=29190
out="$here/results/failover-$(date -u +%Y%m%d-%H%M%S)"
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) rate="$2"; shift 2;;
    --phase) phase="$2"; shift 2;;
    --event-at) event_at="$2"; shift 2;;
    --warmup) warmup="$2"; shift 2;;
    --conns) conns="$2"; shift 2;;
    --urls) urls="$2"; shift 2;;
    --delays) delays="$2"; shift 2;;
    --drain-period) drain="$2"; shift 2;;
    --phases) phases="$2"; shift 2;;
    --retry-on) retry_on="$2"; shift 2;;
    --lb-port) lb_port="$2"; shift 2;;
    --ports) ports="$2"; shift 2;;
    --stats-port) stats_port="$2"; shift 2;;
    *) common_option "$@"; shift 2;;
  esac
done
IFS=, read -r -a port <<< "$ports"
[ "${#port[@]}" = 3 ] || { echo "failover.sh: --ports takes three ports" >&2; exit 2; }
case ",$phases," in *,restart,*) case ",$phases," in *,kill,*) ;; *) echo "failover.sh: restart needs kill" >&2; exit 2;; esac;; esac
need_free_ports "$lb_port" "${port[@]}" "$stats_port" "$up_port"

open_out
if [ -n "$drain" ]; then export NUMBERS_DRAIN_PERIOD="$drain"; else unset NUMBERS_DRAIN_PERIOD; fi
printf 'rate %s/s, %s set URLs of %s, %s connections; phases of %s s, event at +%s s; NUMBERS_DRAIN_PERIOD=%s\nINSTANCE_JVM_OPTS=%s\n' \
  "$rate" "$urls" "$delays" "$conns" "$phase" "$event_at" "${drain:-(unset)}" "$INSTANCE_JVM_OPTS" > "$out/settings.txt"

log "starting the upstream and three instances"
start_upstream "$up_port" "$out/upstream.log"
for n in 1 2 3; do
  instance_prepare "$out/n$n" "$out/numbers.war"
  instance_start "$out/n$n" "${port[$((n - 1))]}"
done
for n in 1 2 3; do wait_healthy "$out/n$n" "${port[$((n - 1))]}"; done

log "starting HAProxy on 127.0.0.1:$lb_port"
mkdir -p "$out/haproxy-run"
sock="$out/haproxy-run/admin.sock"
cp "$repo/deploy/haproxy/haproxy.cfg" "$out/haproxy.cfg"
[ -z "$retry_on" ] || sed -i "s/^\( *retry-on \).*/\1$retry_on/" "$out/haproxy.cfg"
grep -E '^ *(retry-on|retries|option redispatch)' "$out/haproxy.cfg" | sed 's/^ */haproxy: /' >> "$out/settings.txt"
NUMBERS_HAPROXY_USER="$(id -un)" NUMBERS_HAPROXY_GROUP="$(id -gn)" \
  NUMBERS_LB_ADDR="127.0.0.1:$lb_port" NUMBERS_STATS_ADDR="127.0.0.1:$stats_port" NUMBERS_HAPROXY_RUN="$out/haproxy-run" \
  NUMBERS_HAPROXY_LOG=stdout NUMBERS_SERVER_1="127.0.0.1:${port[0]}" NUMBERS_SERVER_2="127.0.0.1:${port[1]}" \
  NUMBERS_SERVER_3="127.0.0.1:${port[2]}" haproxy -db -f "$out/haproxy.cfg" > "$out/haproxy.log" 2>&1 &
started+=($!)
cli() { python3 "$here/haproxy-cli.py" "$sock" "$@"; }
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { echo "failover.sh: HAProxy did not start, see $out/haproxy.log" >&2; exit 1; }
python3 "$here/haproxy-cli.py" "$sock" --watch numbers > "$out/states.tsv" &
started+=($!)
for i in $(seq 101); do # until the first checks have passed: all three UP
  [ "$(cli 'show stat' | awk -F, '$1 == "numbers" && $2 ~ /^n[0-9]$/ && $18 == "UP"' | wc -l)" = 3 ] && break
  [ "$i" -le 100 ] || { echo "failover.sh: not all instances UP in HAProxy, see $out/states.tsv" >&2; exit 1; }
  sleep 0.1
done

loadgen=("$BENCH_BIN/loadgen" -target "http://127.0.0.1:$lb_port" -upstream "http://127.0.0.1:$up_port"
  -mode set -urls "$urls" -delays "$delays" -rate "$rate" -conns "$conns" -budget 500ms -timeout 1s)
if [ "$warmup" -gt 0 ]; then
  log "warm-up: ${warmup} s at $rate/s (not counted)"
  "${loadgen[@]}" -duration "${warmup}s" > "$out/warmup.txt" 2>&1 || true
fi

event() { # PHASE: what happens at --event-at in that phase
  case "$1" in
    graceful) kill -TERM "$(cat "$out/n1/pid")";;
    kill) kill -KILL "$(cat "$out/n2/pid")";;
    restart) instance_start "$out/n2" "${port[1]}";;
  esac
}
for p in ${phases//,/ }; do
  case "$p" in steady|graceful|kill|restart) ;; *) echo "failover.sh: unknown phase $p" >&2; exit 2;; esac
  log "phase $p: ${phase} s at $rate/s"
  cli 'show stat' > "$out/$p.stat-before"
  start_ms="$(now_ms)"
  "${loadgen[@]}" -duration "${phase}s" -progress > "$out/$p.txt" 2> "$out/$p.progress" &
  lg=$!; started+=("$lg")
  event_ms=""
  if [ "$p" != steady ]; then
    sleep "$event_at"; event_ms="$(now_ms)"; event "$p"; log "  $p at +$(( (event_ms - start_ms) / 100 ))00 ms"
  fi
  wait "$lg" || true; forget "$lg"
  cli 'show stat' > "$out/$p.stat-after"
  printf '%s\t%s\t%s\t%s\n' "$p" "$start_ms" "$event_ms" "$(now_ms)" >> "$out/phases.tsv"
done
for n in 1 2 3; do forget_ended "$out/n$n"; done
if [ "${p:-}" = restart ]; then # a slow start may come back after the phase: wait for it, unloaded, 30 s at most
  for _ in $(seq 300); do
    awk -F'\t' -v t="$event_ms" '$1 >= t && $2 == "n2" && $3 == "UP"' "$out/states.tsv" | grep -q . && break
    sleep 0.1
  done
fi

python3 - "$out" <<'EOF' | tee "$out/table.md"
import csv, io, json, os, sys
out = sys.argv[1]
phases = [l.rstrip("\n").split("\t") for l in open(os.path.join(out, "phases.tsv"))]
states = [l.rstrip("\n").split("\t") for l in open(os.path.join(out, "states.tsv"))]
subject = {"graceful": ("n1", "DOWN", "SIGTERM to n1"), "kill": ("n2", "DOWN", "kill -9 of n2"),
           "restart": ("n2", "UP", "n2 started again")}
why = {"HANA": "10 failed connects of live traffic", "L4CON": "check refused", "L4TOUT": "check connect timeout",
       "L7STS": "check answered non-200", "L7TOUT": "check unanswered", "L7OK": "check answered 200"}

def exit_ms(name):
    try:
        return int(open(os.path.join(out, name, "exit")).read().split()[0])
    except (OSError, ValueError, IndexError):
        return None

def backend(path):
    rows = csv.DictReader(io.StringIO(open(path).read().lstrip("# ")))
    return next(r for r in rows if r["pxname"] == "numbers" and r["svname"] == "BACKEND")

print("; ".join(l.strip() for l in open(os.path.join(out, "settings.txt"))) + "\n")
print("| phase | event | HAProxy | scheduled | answered | valid 200 | late (> 500 ms) | errors | complete % "
      "| corrected p50 / p99 / p99.9 / max (ms) | HAProxy retries / redispatches |")
print("| --- | --- | --- | ---: | ---: | ---: | ---: | --- | ---: | --- | --- |")
for name, start, event, end in phases:
    j = json.loads([l for l in open(os.path.join(out, name + ".txt")) if l.startswith("{")][-1])
    late = round(j["over_budget_pct_corrected"] * j["answered"] / 100)
    errs = " ".join("%s=%d" % kv for kv in sorted(j["errors"].items())) or "0"
    errs = ("%d: %s" % (j["errors_total"], errs)) if j["errors_total"] else "0"
    c = j["corrected_ms"]
    b0, b1 = backend(os.path.join(out, name + ".stat-before")), backend(os.path.join(out, name + ".stat-after"))
    retr = "%d / %d" % (int(b1["wretr"]) - int(b0["wretr"]), int(b1["wredis"]) - int(b0["wredis"]))
    what, lb = "-", "all UP"
    if name in subject:
        srv, target, desc = subject[name]
        at = (int(event) - int(start)) / 1000
        what = "%s at +%.1f s" % (desc, at)
        hit = next((s for s in states if s[1] == srv and s[2] == target and int(s[0]) >= int(event)), None)
        lb = ("%s %s after %.2f s (%s)" % (srv, target, (int(hit[0]) - int(event)) / 1000, why.get(hit[3], hit[3]))
              if hit else "%s not %s" % (srv, target))
        if hit and int(hit[0]) > int(end):
            lb += ", after the phase"
        if name == "graceful":
            x = exit_ms("n1")
            what += (", exited after %.2f s" % ((x - int(event)) / 1000)) if x else ", still running"
    print("| %s | %s | %s | %d | %d | %d | %d | %s | %s | %.0f / %.0f / %.0f / %.0f | %s |" % (
        name, what, lb, j["scheduled"], j["answered"], j["valid_200"], late, errs,
        "%.2f" % j["completeness_pct"] if "completeness_pct" in j else "-",
        c["p50"], c["p99"], c["p999"], c["max"], retr))
EOF
log "done: $out/table.md"
