#!/usr/bin/env bash
# Benchmarks (issue 8): starts the hub as its own process on its embedded servers (fresh temporary data directory,
# free loopback ports, Spring profile "bench"), drives it with the load generator in a separate JVM, prints one
# table and writes it to docs/benchmarks.md, then stops the hub. The hub listens on 127.0.0.1 only: its bench profile
# opens the Prometheus scrape (heap samples without a password check, see BenchSecurityConfig).
#
#   bash bench/run.sh
#
# Environment knobs:
#   BENCH_CLIENTS=8            concurrent HTTP clients / threads
#   BENCH_PHASE_SECONDS=20     upper bound of each measured phase (each is also bounded by a count)
#   BENCH_HUB_JAVA_OPTS=...    JVM options of the hub (default -Xmx1g)
#   BENCH_HUB_ARGS=...         more hub arguments, e.g. --omnihub.embedded.postgres.settings.shared-preload-libraries=pg_stat_statements
#                              (with -Dbench.pg-statements=true in BENCH_GEN_OPTS the sync figure then prints the
#                              statements PostgreSQL spent its time on)
#   BENCH_MVN_OPTS=...         extra Maven options (default: none, so Maven runs online and fetches what the build
#                              needs on a fresh machine; BENCH_MVN_OPTS=-o to build offline once everything is cached)
#   BENCH_SKIP_BUILD=1         reuse target/ as built (mvn -Pbench verify sets it)
#   BENCH_OUT=docs/benchmarks.md
#   BENCH_GEN_OPTS=...         extra -D options of the load generator, e.g. -Dbench.only=sync (figures: intake,
#                              routing, sync, sftp, reconciliation), -Dbench.sync.rates=100,500 or -Dbench.sftp.header=sku,node,qty
#                              -Dbench.sftp.row=%2\$s,%1\$s,%3\$d to follow the WMS stock flow's CSV columns;
#                              routing: -Dbench.routing.orders=2000, -Dbench.routing.latency-rate=500 (orders/s offered
#                              for the commit -> ROUTED latency) and -Dbench.routing.latency-seconds=10
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

CLIENTS=${BENCH_CLIENTS:-8}
PHASE=${BENCH_PHASE_SECONDS:-20}
HUB_JAVA_OPTS=${BENCH_HUB_JAVA_OPTS:--Xmx1g}
MVN_OPTS=${BENCH_MVN_OPTS:-}
OUT=${BENCH_OUT:-docs/benchmarks.md}

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  echo "building the hub jar and the load generator (mvn -Pbench -DskipTests package) ..."
  # shellcheck disable=SC2086
  mvn -q -B $MVN_OPTS -Pbench -DskipTests package
fi
JAR=$(ls target/omnihub-*.jar | grep -v '\.original$' | head -1)
CP_FILE=target/bench.classpath
[[ -f "$CP_FILE" ]] || { echo "missing $CP_FILE: build with mvn -Pbench -DskipTests package" >&2; exit 1; }
GEN_CP="target/test-classes:target/classes:$(cat "$CP_FILE")"

DATA=$(mktemp -d "${TMPDIR:-/tmp}/omnihub-bench.XXXXXX")
LOG="$DATA/hub.log"
read -r HTTP_PORT PG_PORT KAFKA_PORT SFTP_PORT STUB_PORT < <(java -cp "$GEN_CP" io.omnihub.bench.BenchPorts 5)
STUB="http://127.0.0.1:$STUB_PORT"

HUB_PID=""
stop_hub() {
  if [[ -n "$HUB_PID" ]] && kill -0 "$HUB_PID" 2>/dev/null; then
    echo "stopping the hub (pid $HUB_PID) ..."
    kill -TERM "$HUB_PID" 2>/dev/null || true
    for _ in $(seq 1 120); do kill -0 "$HUB_PID" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$HUB_PID" 2>/dev/null; then
      kill -KILL "$HUB_PID" 2>/dev/null || true
    fi
  fi
  # a PostgreSQL left behind by a hard stop: stop it by the pid in its own pid file
  if [[ -f "$DATA/postgres/postmaster.pid" ]]; then
    PG_PID=$(head -1 "$DATA/postgres/postmaster.pid" || true)
    [[ -n "$PG_PID" ]] && kill -INT "$PG_PID" 2>/dev/null || true
    sleep 2
  fi
  mkdir -p target
  cp -f "$LOG" target/bench-hub.log 2>/dev/null || true
  rm -rf "$DATA"
}
trap stop_hub EXIT

echo "starting the hub: http $HTTP_PORT, postgres $PG_PORT, kafka $KAFKA_PORT, sftp $SFTP_PORT, channel stub $STUB_PORT, data $DATA"
START_MS=$(date +%s%3N)
# shellcheck disable=SC2086
java $HUB_JAVA_OPTS -jar "$JAR" \
  --spring.profiles.active=bench \
  --omnihub.data-dir="$DATA" \
  --server.port="$HTTP_PORT" \
  --server.address=127.0.0.1 \
  --omnihub.embedded.postgres.port="$PG_PORT" \
  --omnihub.embedded.kafka.port="$KAFKA_PORT" \
  --omnihub.embedded.sftp.port="$SFTP_PORT" \
  --omnihub.channels.web.sink.url="$STUB/web/callbacks" \
  --omnihub.channels.marketplace.sink.url="$STUB/marketplace" \
  --omnihub.channels.marketplace.buffers.percent=100 \
  --omnihub.channels.marketplace.buffers.holdback=0 \
  --omnihub.channels.bench-a.sink.type=WEBHOOK --omnihub.channels.bench-a.sink.route=direct:channel-web \
  --omnihub.channels.bench-b.sink.type=WEBHOOK --omnihub.channels.bench-b.sink.route=direct:channel-web \
  --omnihub.channels.bench-c.sink.type=MARKETPLACE --omnihub.channels.bench-c.sink.route=direct:channel-marketplace \
  --omnihub.reconciliation.min-page-interval-ms=0 \
  --omnihub.channels.marketplace.read-back.interval=0s \
  --omnihub.channels.web.read-back.interval=0s \
  ${BENCH_HUB_ARGS:-} >"$LOG" 2>&1 &
HUB_PID=$!

# shellcheck disable=SC2086
java -Xmx1g -Dlogback.configurationFile="$ROOT/bench/logback-bench.xml" -cp "$GEN_CP" ${BENCH_GEN_OPTS:-} \
  -Dbench.base-url="http://127.0.0.1:$HTTP_PORT" \
  -Dbench.jdbc-url="jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" \
  -Dbench.kafka="127.0.0.1:$KAFKA_PORT" \
  -Dbench.sftp-port="$SFTP_PORT" \
  -Dbench.channel-stub-port="$STUB_PORT" \
  -Dbench.hub-pid="$HUB_PID" \
  -Dbench.hub-log="$LOG" \
  -Dbench.postgres-pid-file="$DATA/postgres/postmaster.pid" \
  -Dbench.hub-start-epoch-ms="$START_MS" \
  -Dbench.hub-java-opts="$HUB_JAVA_OPTS" \
  -Dbench.work-dir="$ROOT" \
  -Dbench.clients="$CLIENTS" \
  -Dbench.phase-seconds="$PHASE" \
  -Dbench.out="$OUT" \
  io.omnihub.bench.BenchMain
