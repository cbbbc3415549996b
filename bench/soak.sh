#!/usr/bin/env bash
# bench/soak.sh: one instance (Jetty home + a copy of jetty-base/) under scenario B's load (800/s, 6 classic URLs,
# 800 connections, the shared harness's fake upstream and loadgen) for a long time, sampled every --interval seconds.
# Answers whether anything grows: heap after GC, threads, open files, upstream connections, resident memory, late
# answers. Writes samples.csv and minutes.csv, and prints a summary: each metric's mean over the first --window after
# the warm-up against its mean over the last --window, within 5 % or not, and the late answers per --window block.
#
# Usage: bench/soak.sh [--duration 30m] [--warmup 2m] [--window 5m] [--interval 10] [--chunk 60] [--rate 800]
#                      [--conns 800] [--urls 6] [--port 29200] [--upstream-port 29290] [--war FILE] [--out DIR]
# Durations take s, m or h (plain numbers are seconds). The soak is --warmup (sampled, not judged) then --duration.
# A test of the script itself: bench/soak.sh --warmup 30s --duration 3m --window 1m (about 4 minutes).
#
# What is sampled, and how:
#   heap_after_gc_kb  heap in use after the last collection before the sample, from the JVM's unified GC log
#                     (-Xlog:gc*, added to the instance's options), old_after_gc_kb its old generation (Serial and
#                     Parallel collectors). After a collection the young generation holds only survivors, so this is
#                     the retained heap as of that collection, read without stopping or forcing anything in the
#                     JVM. Sampling "used" at a random moment (jstat, jcmd GC.heap_info) would mostly measure how far
#                     eden had filled, and each jstat or jcmd starts a JVM beside the one measured. Between full
#                     collections the old generation also keeps what young collections promoted and is now garbage,
#                     so this climbs, leak or not: the summary also compares the heap after full collections, when
#                     at least two fall after the warm-up (a smaller heap, -Xms128m -Xmx128m, has more of them).
#   threads           Threads: of /proc/PID/status
#   open_files        entries of /proc/PID/fd
#   upstream_conns    established TCP connections to the upstream's port (ss): the service's side of its pool
#   rss_kb            VmRSS: of /proc/PID/status
#   late              per load chunk (minutes.csv): answers over 500 ms from the intended send time, as the loadgen
#                     counts them (coordinated omission corrected), and errors
# The loadgen runs in chunks of --chunk seconds (its -duration is at most 10 minutes, and a chunk's summary is what
# counts late answers exactly), back to back: every chunk opens its connections again, under a second apart (the
# new connections' Jetty objects, about 4 MB a chunk at 800 connections, end up in the old generation as garbage).
# Environment: INSTANCE_JVM_OPTS [those of bench/jvm-options.sh and -XX:+ExitOnOutOfMemoryError];
# JETTY_HOME [target/it-containers/jetty-home-12.1.8]; BENCH_BIN [/tmp/bench/bin].
# Nothing is pinned. Loopback only; everything started is stopped by PID on exit.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
# shellcheck source=bench/instances.sh
. "$here/instances.sh"
duration=30m; warmup=2m; window=5m; interval=10; chunk=60; rate=800; conns=800; urls=6
port=29200; up_port=29290; out="$here/results/soak-$(date -u +%Y%m%d-%H%M%S)"
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2;;
    --warmup) warmup="$2"; shift 2;;
    --window) window="$2"; shift 2;;
    --interval) interval="$2"; shift 2;;
    --chunk) chunk="$2"; shift 2;;
    --rate) rate="$2"; shift 2;;
    --conns) conns="$2"; shift 2;;
    --urls) urls="$2"; shift 2;;
    --port) port="$2"; shift 2;;
    *) common_option "$@"; shift 2;;
  esac
done
duration_s="$(secs "$duration")"; warmup_s="$(secs "$warmup")"; window_s="$(secs "$window")"; chunk_s="$(secs "$chunk")"
[ "$chunk_s" -ge 1 ] && [ "$chunk_s" -le 600 ] || { echo "soak.sh: --chunk must be 1s..10m" >&2; exit 2; }
[ $(( 2 * window_s )) -le "$duration_s" ] || { echo "soak.sh: --duration must hold two --window" >&2; exit 2; }
need_free_ports "$port" "$up_port"

open_out
gclog="$out/n1/gc.log"
INSTANCE_JVM_OPTS="$INSTANCE_JVM_OPTS -Xlog:gc*:file=$gclog:time,uptimemillis,tags"
printf 'rate %s/s, %s classic URLs, %s connections; warm-up %s s, soak %s s, window %s s, sample every %s s, chunks of %s s\nINSTANCE_JVM_OPTS=%s\n' \
  "$rate" "$urls" "$conns" "$warmup_s" "$duration_s" "$window_s" "$interval" "$chunk_s" "$INSTANCE_JVM_OPTS" \
  > "$out/settings.txt"

log "starting the upstream and the instance"
start_upstream "$up_port" "$out/upstream.log"
instance_prepare "$out/n1" "$out/numbers.war"
instance_start "$out/n1" "$port"
wait_healthy "$out/n1" "$port"
pid="$(cat "$out/n1/pid")"

after_gc() { # heap and old generation after the last collection (KiB; old empty when the log does not say), counts
  awk 'function after(s) { match(s, /->[0-9]+K/); return substr(s, RSTART + 2, RLENGTH - 3) }
       /(DefNew|PSYoungGen): [0-9]+K/ { young = after($0) }
       /(Tenured|ParOldGen): [0-9]+K/ { old = after($0) }
       /\[gc *\] GC\([0-9]+\) Pause .*->/ { # every collector: "Pause Young (...) 120M->35M(247M)"
         match($0, /->[0-9.]+[KMG]/); v = substr($0, RSTART + 2, RLENGTH - 3); u = substr($0, RSTART + RLENGTH - 1, 1)
         heap = v * (u == "G" ? 1048576 : u == "M" ? 1024 : 1); n++; if ($0 ~ /Pause Full/) full++ }
       END { if (young != "" && old != "") heap = young + old # to the KiB where the collector logs its generations
             printf "%d,%s,%d,%d", heap, old, n, full }' "$gclog" 2>/dev/null || echo ",,,"
}
sample() { # T PHASE: one CSV line; loading is 0 between two load chunks (their connections closed), and not judged
  local threads rss fds conns loading=0
  [ -s "$out/loadgen.pid" ] && kill -0 "$(cat "$out/loadgen.pid")" 2>/dev/null && loading=1
  threads="$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status")"
  rss="$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")"
  fds="$(ls "/proc/$pid/fd" | wc -l)"
  conns="$(ss -Htn state established "( dport = :$up_port )" | wc -l)"
  echo "$1,$2,$loading,$(after_gc),$threads,$fds,$conns,$rss"
}

t0="$(date +%s)"
end_warm=$(( t0 + warmup_s )); end=$(( end_warm + duration_s ))
echo "t_s,phase,loading,heap_after_gc_kb,old_after_gc_kb,gcs,full_gcs,threads,open_files,upstream_conns,rss_kb" \
  > "$out/samples.csv"
( # the sampler: every --interval seconds from the start of the load until its end
  k=0
  while :; do
    next=$(( t0 + k * interval )); now="$(date +%s)"
    [ "$next" -lt "$end" ] || break
    [ "$next" -le "$now" ] || sleep $(( next - now ))
    phase=soak; [ "$next" -ge "$end_warm" ] || phase=warmup
    kill -0 "$pid" 2>/dev/null && sample $(( next - t0 )) "$phase" >> "$out/samples.csv"
    k=$(( k + 1 ))
  done
) &
started+=($!)

log "load: ${warmup_s} s warm-up, then ${duration_s} s, in chunks of ${chunk_s} s"
echo "t_start_s,t_end_s,phase,scheduled,answered,late,errors,corrected_p99_ms,corrected_max_ms" > "$out/minutes.csv"
i=0
while :; do
  now="$(date +%s)"; [ "$now" -lt "$end" ] || break
  phase=soak; len="$chunk_s"
  if [ "$now" -lt "$end_warm" ]; then phase=warmup; [ $(( end_warm - now )) -ge "$len" ] || len=$(( end_warm - now )); fi
  [ $(( end - now )) -ge "$len" ] || len=$(( end - now ))
  f="$out/chunk-$(printf %03d $i)"
  "$BENCH_BIN/loadgen" -target "http://127.0.0.1:$port" -upstream "http://127.0.0.1:$up_port" -urls "$urls" \
    -rate "$rate" -conns "$conns" -budget 500ms -timeout 1s -duration "${len}s" -progress > "$f.txt" 2> "$f.progress" &
  echo $! > "$out/loadgen.pid"; started+=($!)
  wait "$(cat "$out/loadgen.pid")" || true
  forget "$(cat "$out/loadgen.pid")"; : > "$out/loadgen.pid"
  jq -r --arg a $(( now - t0 )) --arg b $(( $(date +%s) - t0 )) --arg p "$phase" \
    '[$a, $b, $p, .scheduled, .answered, ((.over_budget_pct_corrected * .answered / 100) | round), .errors_total,
      .corrected_ms.p99, .corrected_ms.max] | @csv' <(grep '^{' "$f.txt" | tail -1) | tr -d '"' >> "$out/minutes.csv"
  kill -0 "$pid" 2>/dev/null || { log "the instance exited, see $out/n1/server.log"; break; }
  i=$(( i + 1 ))
done

python3 - "$out" "$warmup_s" "$duration_s" "$window_s" "$t0" <<'EOF' | tee "$out/summary.md"
import csv, datetime, re, sys
out, warm, dur, win, t0 = sys.argv[1], *map(int, sys.argv[2:6])
rows = list(csv.DictReader(open(out + "/samples.csv")))
first = (warm, warm + win)
last = (warm + dur - win, warm + dur)
def mean(col, span):
    v = [float(r[col]) for r in rows
         if r[col] != "" and r["loading"] == "1" and span[0] <= int(r["t_s"]) < span[1]]
    return sum(v) / len(v) if v else None
print("| metric | mean, first %d s after warm-up (t = %d-%d s) | mean, last %d s (t = %d-%d s) | change | within 5 %% |"
      % (win, first[0], first[1], win, last[0], last[1]))
print("| --- | ---: | ---: | ---: | --- |")
for col in ("heap_after_gc_kb", "old_after_gc_kb", "threads", "open_files", "upstream_conns", "rss_kb"):
    a, b = mean(col, first), mean(col, last)
    if a is None or b is None:
        print("| %s | - | - | - | - |" % col); continue
    ch = (b - a) / a * 100 if a else 0.0
    print("| %s | %.1f | %.1f | %+.1f %% | %s |" % (col, a, b, ch, "yes" if abs(ch) <= 5 else "**no**"))
print("\nCollections: %s in all, %s full." % (rows[-1]["gcs"] if rows else "-", rows[-1]["full_gcs"] if rows else "-"))
# Between full collections the old generation also holds what young collections promoted and is now garbage, so the
# heap after a young collection climbs with or without a leak; only a full collection measures the live heap.
fulls, old = [], None
for line in open(out + "/n1/gc.log"):
    m = re.search(r"(Tenured|ParOldGen): \d+K\(\d+K\)->(\d+)K", line)
    if m:
        old = int(m.group(2))
    m = re.match(r"\[([^\]]+)\].*\[gc *\] GC\(\d+\) Pause Full .*->(\d+)M", line)
    if m:
        t = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() - t0
        if t >= warm:
            fulls.append((t, old if old is not None else int(m.group(2)) * 1024))
if len(fulls) >= 2:
    ch = (fulls[-1][1] - fulls[0][1]) / fulls[0][1] * 100
    print("Heap after full collections after the warm-up: %s; last against first %+.1f %%: %s." % (
        ", ".join("%d KiB at t = %d s" % (k, t) for t, k in fulls), ch, "within 5 %" if abs(ch) <= 5 else "**beyond 5 %**"))
else:
    print("Heap after full collections after the warm-up: %s; fewer than two, so the live heap is not compared "
          "(heap_after_gc_kb above rises between full collections, leak or not)." % (
          ", ".join("%d KiB at t = %d s" % (k, t) for t, k in fulls) or "none"))
mins = list(csv.DictReader(open(out + "/minutes.csv")))
print("\n| block (t, s) | scheduled | late (> 500 ms) | errors |")
print("| --- | ---: | ---: | ---: |")
t = warm
while t < warm + dur:
    sel = [m for m in mins if m["phase"] == "soak" and t <= int(m["t_start_s"]) < t + win]
    print("| %d-%d | %d | %d | %d |" % (t, min(t + win, warm + dur), sum(int(m["scheduled"]) for m in sel),
          sum(int(m["late"]) for m in sel), sum(int(m["errors"]) for m in sel)))
    t += win
w = [m for m in mins if m["phase"] == "warmup"]
print("| warm-up 0-%d | %d | %d | %d |" % (warm, sum(int(m["scheduled"]) for m in w), sum(int(m["late"]) for m in w),
      sum(int(m["errors"]) for m in w)))
EOF
log "done: $out/summary.md"
