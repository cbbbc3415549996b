# bench/jvm-options.sh: sourced by the bench scripts, not run. The JVM options every benchmark gives the service unless
# SUT_OPTS (or INSTANCE_JVM_OPTS) says otherwise: the collector and pre-touched heap of docs/operations.md (JVM and
# host), a fixed 256 MB heap, and C1 only (docs/performance.md, Cold JVM).
# shellcheck disable=SC2034 # used by the scripts that source this file
BENCH_JVM_OPTS="-XX:+UseParallelGC -Xms256m -Xmx256m -XX:+AlwaysPreTouch -XX:TieredStopAtLevel=1"
