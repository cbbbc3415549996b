#!/usr/bin/env bash
# Starts the WAR as the production setup serves it (Jetty home + this repository's jetty-base), for the benchmark
# harnesses: bench/sut.sh PORT. JVM options in SUT_OPTS; JETTY_HOME defaults to the one `cd bench && mvn package`
# unpacks. The fake upstreams are on loopback, so loopback is opened.
set -euo pipefail
port="$1"; shift
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
home="${JETTY_HOME:-$repo/bench/target/jetty-home-12.1.8}"
cd "$repo"
export NUMBERS_ALLOWED_NETWORKS=127.0.0.0/8,::1/128
# shellcheck disable=SC2086
exec java ${SUT_OPTS:-} -jar "$home/start.jar" jetty.base=jetty-base jetty.http.host=127.0.0.1 jetty.http.port="$port" "$@"
