#!/usr/bin/env bash
# bench/client-clock.sh: the client's-clock measurement against each deployment, in one command.
#
# For each deployment it starts a fresh JVM with the service's default settings (only loopback opened, since the
# probe's upstreams are on loopback), warms it with --warmup concurrent requests (not counted), then runs
# bench/client-clock.py's sequential and concurrent variants, stops what it started and prints one table row per
# run. Every answer is timed by the client's kernel (see client-clock.py).
#
# Usage: bench/client-clock.sh [--deployments jetty,tomcat,jetty-run] [--sequential N] [--concurrent N]
#                              [--clients C] [--warmup N] [--out DIR]
# Defaults: all three deployments, 1000 sequential, 2000 concurrent from 20 clients, 400 warm-up requests.
# Needs: `mvn package` (target/numbers.war), and Jetty home and Tomcat unpacked by `mvn verify`
# (target/it-containers/), or JETTY_HOME / CATALINA_HOME. JVM options: SUT_OPTS (none by default: the JVM's own).
# About 10 minutes per deployment with the defaults. Loopback only; every process is stopped by PID.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
deployments="jetty,tomcat,jetty-run"; sequential=1000; concurrent=2000; clients=20; warmup=400
out="$here/results/client-clock-$(date -u +%Y%m%d-%H%M%S)"
while [ $# -gt 0 ]; do
  case "$1" in
    --deployments) deployments="$2"; shift 2;;
    --sequential) sequential="$2"; shift 2;;
    --concurrent) concurrent="$2"; shift 2;;
    --clients) clients="$2"; shift 2;;
    --warmup) warmup="$2"; shift 2;;
    --out) out="$2"; shift 2;;
    -h|--help) sed -n '2,15p' "$0"; exit 0;;
    *) echo "client-clock.sh: unknown option $1" >&2; exit 2;;
  esac
done
port=28080
jetty_home="${JETTY_HOME:-$repo/target/it-containers/jetty-home-12.1.8}"
catalina_home="${CATALINA_HOME:-$(ls -d "$repo"/target/it-containers/apache-tomcat-* 2>/dev/null | head -1 || true)}"
mkdir -p "$out"
cp "$repo/target/numbers.war" "$out/numbers.war" # what is measured, whatever is built meanwhile
git -C "$repo" log -1 --format='commit %h %s' > "$out/commit.txt"
pid=""
stop() { [ -z "$pid" ] || { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; }; }
trap stop EXIT

start() { # DEPLOYMENT: starts it on $port in the background, sets $pid, waits until /numbers answers
  local d="$1" log="$out/$1.log"
  export NUMBERS_ALLOWED_NETWORKS=127.0.0.0/8
  case "$d" in
    jetty)
      local base="$out/jetty-base"
      rm -rf "$base" && cp -r "$repo/jetty-base" "$base" && rm -rf "$base/logs/"* && mkdir -p "$out/target"
      cp "$out/numbers.war" "$out/target/numbers.war" # jetty-base/webapps/numbers.xml deploys ../target/numbers.war
      # shellcheck disable=SC2086
      (cd "$out" && exec java ${SUT_OPTS:-} -jar "$jetty_home/start.jar" jetty.base="$base" \
        jetty.http.host=127.0.0.1 jetty.http.port="$port") > "$log" 2>&1 &
      pid=$!;;
    tomcat)
      [ -n "$catalina_home" ] || { echo "no Tomcat: run mvn verify, or set CATALINA_HOME" >&2; exit 1; }
      local base="$out/tomcat-base"
      rm -rf "$base" && mkdir -p "$base"/{logs,temp,work,webapps} && cp -r "$catalina_home/conf" "$base/"
      sed -i -e "s/<Server port=\"8005\"/<Server port=\"-1\"/" -e "s/<Connector port=\"8080\"/<Connector port=\"$port\"/" \
        "$base/conf/server.xml"
      cp "$out/numbers.war" "$base/webapps/ROOT.war"
      CATALINA_HOME="$catalina_home" CATALINA_BASE="$base" CATALINA_OPTS="${SUT_OPTS:-}" \
        "$catalina_home/bin/catalina.sh" run > "$log" 2>&1 &
      pid=$!;;
    jetty-run)
      (cd "$repo" && MAVEN_OPTS="${SUT_OPTS:-}" exec mvn -B -q jetty:run -Djetty.http.port="$port") > "$log" 2>&1 &
      pid=$!;;
    *) echo "unknown deployment $d" >&2; exit 2;;
  esac
  for _ in $(seq 600); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/numbers" && return 0
    kill -0 "$pid" 2>/dev/null || { echo "$d did not start, see $log" >&2; exit 1; }
    sleep 0.2
  done
  echo "$d did not answer within 120 s, see $log" >&2; exit 1
}

probe() { # LABEL ARGS...
  local label="$1"; shift
  python3 "$here/client-clock.py" --url "http://127.0.0.1:$port/numbers" --label "$label" "$@"
}

summary="$out/summary.jsonl"
for d in ${deployments//,/ }; do
  echo "$(date -u +%H:%M:%S) $d" >&2
  start "$d"
  probe "$d-warmup" --mode concurrent --clients "$clients" --count "$warmup" > /dev/null
  probe "$d-sequential" --mode sequential --count "$sequential" --out "$out/$d-sequential.jsonl" >> "$summary"
  probe "$d-concurrent" --mode concurrent --clients "$clients" --count "$concurrent" \
    --out "$out/$d-concurrent.jsonl" >> "$summary"
  stop
done
python3 - "$summary" <<'EOF' | tee "$out/summary.md"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print("| run | answers | errors | at or over 500 ms | p50 / p99 / p99.9 / max (ms) | upstreams answered by 460 ms included |"
      " kernel -> arrival p99 / max | cutoff -> rendered p99 / max | rendered -> client p99 / max |")
print("| --- | ---: | ---: | ---: | --- | --- | --- | --- | --- |")
for r in rows:
    s = r.get("split", {})
    part = lambda k: "%.1f / %.1f" % (s[k]["p99"], s[k]["max"]) if k in s else "-"
    print("| %s | %d | %d | %d | %.1f / %.1f / %.1f / %.1f | %d of %d (%.2f %%) | %s | %s | %s |" % (
        r["label"], r["answers"], r["errors"], r["late"], r["p50_ms"], r["p99_ms"], r["p999_ms"], r["max_ms"],
        r["eligible_included"], r["eligible_upstreams"], r["eligible_included_pct"],
        part("kernel_to_arrival"), part("cutoff_to_rendered"), part("rendered_to_client")))
EOF
