# bench/instances.sh: sourced by bench/failover.sh and bench/soak.sh, not run. Starts instances of the WAR as
# production runs it (Jetty home + a copy of this repository's jetty-base/, one folder and one port each) and the
# shared harness's fake upstream, and stops everything it started, by PID, when the script exits.
#
# The caller sets repo (the repository) before sourcing it, and out (the results folder) before open_out. Defaults
# below: each can be set in the environment. The service's settings are NUMBERS_* environment variables.

JETTY_HOME="${JETTY_HOME:-$repo/target/it-containers/jetty-home-12.1.8}"
BENCH_BIN="${BENCH_BIN:-/tmp/bench/bin}" # the shared harness's upstream and loadgen
# Every instance's JVM options, in one variable: those of the sittings (bench/jvm-options.sh), and exit on OOM.
# shellcheck source=bench/jvm-options.sh
. "$repo/bench/jvm-options.sh"
INSTANCE_JVM_OPTS="${INSTANCE_JVM_OPTS:-$BENCH_JVM_OPTS -XX:+ExitOnOutOfMemoryError}"
export NUMBERS_ALLOWED_NETWORKS=127.0.0.0/8 # the fake upstream is on loopback
war="$repo/target/numbers.war"

common_option() { # OPTION VALUE: the options every script here takes (each then shifts 2)
  case "$1" in
    --upstream-port) up_port="${2:?$1 needs a value}";;
    --war) war="${2:?$1 needs a value}";;
    --out) out="${2:?$1 needs a value}";;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0;;
    *) echo "$(basename "$0"): unknown option $1 (see --help)" >&2; exit 2;;
  esac
}
now_ms() { date +%s%3N; }
log() { echo "$(date -u +%H:%M:%S) $*" | tee -a "$out/timeline.txt" >&2; }

open_out() { # the results folder, with the WAR measured (whatever is built meanwhile) and the commit
  mkdir -p "$out"
  out="$(cd "$out" && pwd)"
  cp "$war" "$out/numbers.war"
  git -C "$repo" log -1 --format='commit %h %s' > "$out/commit.txt"
}

secs() { # 90 / 90s / 3m / 1h -> seconds
  case "$1" in
    *s) echo "${1%s}";;
    *m) echo $(( ${1%m} * 60 ));;
    *h) echo $(( ${1%h} * 3600 ));;
    *) echo "$1";;
  esac
}

started=() # PIDs of everything started here, stopped in reverse order on exit
stop_started() {
  local i p
  for (( i = ${#started[@]} - 1; i >= 0; i-- )); do
    p="${started[$i]}"; kill -TERM "$p" 2>/dev/null || true
  done
  for _ in $(seq 100); do # a graceful stop takes at most jetty.server.stopTimeout (5 s)
    local alive=0
    for p in "${started[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for p in "${started[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
forget() { # PID: it has ended and was waited for; never signal its number again
  local keep=() p
  for p in "${started[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  started=("${keep[@]}")
}
trap stop_started EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
need_free_ports() {
  local p
  for p in "$@"; do port_free "$p" || { echo "127.0.0.1:$p is in use: pick other ports" >&2; exit 1; }; done
}

start_upstream() { # PORT LOG: the shared fake upstream (classic paths and /set/k)
  "$BENCH_BIN/upstream" -addr "127.0.0.1:$1" -quiet > "$2" 2>&1 &
  started+=($!)
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$1/stats" && return 0; sleep 0.1; done
  echo "the fake upstream did not start, see $2" >&2; exit 1
}

instance_prepare() { # DIR WAR: DIR/jetty-base (a copy) deploys DIR/target/numbers.war, as jetty-base/webapps/numbers.xml says
  mkdir -p "$1/target"
  cp -r "$repo/jetty-base" "$1/" && rm -rf "$1/jetty-base/logs/"*
  mkdir -p "$1/jetty-base/work" # Jetty extracts the WAR here rather than in /tmp, so a kill -9 leaves nothing behind
  cp "$2" "$1/target/numbers.war"
}

forget_ended() { # DIR: once the instance's JVM has ended, it and its wrapper are not ours to signal any more
  [ ! -e "$1/exit" ] || { forget "$(cat "$1/pid")"; forget "$(cat "$1/wrapper")"; }
}

instance_start() { # DIR PORT: java in the background, in a wrapper that waits for it. DIR/pid holds its PID, DIR/wrapper
  # the wrapper's; DIR/exit "epoch-ms status" once it ends
  local dir="$1" port="$2" pid=""
  forget_ended "$dir" # a restart
  rm -f "$dir/pid" "$dir/exit"
  (
    cd "$dir"
    # shellcheck disable=SC2086
    java $INSTANCE_JVM_OPTS -jar "$JETTY_HOME/start.jar" jetty.base="$dir/jetty-base" \
      jetty.http.host=127.0.0.1 jetty.http.port="$port" >> "$dir/server.log" 2>&1 &
    echo $! > "$dir/pid"
    rc=0; wait $! 2>/dev/null || rc=$? # (quiet: no "Killed" line when the test kills it)
    echo "$(now_ms) $rc" > "$dir/exit"
  ) &
  started+=($!); echo $! > "$dir/wrapper"
  for _ in $(seq 50); do [ -s "$dir/pid" ] && break; sleep 0.1; done
  pid="$(cat "$dir/pid")"
  started+=("$pid")
}

wait_healthy() { # DIR PORT [SECONDS]: until GET /health answers 200
  local deadline=$(( $(date +%s) + ${3:-120} ))
  until curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$2/health"; do
    [ -e "$1/exit" ] && { echo "the instance in $1 exited, see $1/server.log" >&2; exit 1; }
    [ "$(date +%s)" -lt "$deadline" ] || { echo "the instance in $1 is not healthy, see $1/server.log" >&2; exit 1; }
    sleep 0.2
  done
}
