#!/usr/bin/env bash
# Concurrent single-event appends through `mcledger serve` (HTTP, each client
# waits for its acknowledgement) next to PostgreSQL's own one-row-per-
# transaction INSERTs (pgbench) with the same number of clients, same cluster,
# same run.
#
#   scripts/bench-serve.sh                  # CLIENTS="16 64" SECONDS_EACH=20
#   BIN=.build/debug/mcledger scripts/bench-serve.sh
#
# Needs wrk and pgbench (apt-get install wrk postgresql-contrib). The cluster is
# a throwaway one under /tmp with PostgreSQL's defaults (fsync on,
# synchronous_commit on); it is removed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGBIN=/usr/lib/postgresql/15/bin
BIN=${BIN:-$ROOT/.build-release/release/mcledger}
CLIENTS=${CLIENTS:-"16 64"}
SECONDS_EACH=${SECONDS_EACH:-20}
HTTPPORT=${HTTPPORT:-18351}
TOKEN=bench-append-token-0123456789
log() { printf '[bench-serve %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

[[ -x $BIN ]] || { log "no mcledger binary at $BIN (swift build -c release --scratch-path .build-release)"; exit 1; }
command -v wrk >/dev/null || { log "wrk is missing (apt-get install wrk)"; exit 1; }

SERVER_PID=
cluster_on_exit() { if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi; }
source "$ROOT/scripts/lib/cluster.sh"
cluster_init mcledger-bench-serve "-c max_connections=600 ${PROFILE:+-c shared_preload_libraries=pg_stat_statements -c track_io_timing=on}"
DIR=$WORK
URL="postgresql:///postgres?host=$WORK&user=postgres"
"$BIN" migrate --database-url "$URL" >/dev/null
[[ -n ${PROFILE:-} ]] && psql -q "$URL" -c "CREATE EXTENSION pg_stat_statements"
psql -q "$URL" <<'SQL'
CREATE TABLE public.plain_events (
  position bigserial PRIMARY KEY, stream text NOT NULL, version int NOT NULL DEFAULT 1,
  event_id uuid NOT NULL UNIQUE, type text NOT NULL DEFAULT 'EventStatusChanged',
  data jsonb NOT NULL, metadata jsonb NOT NULL DEFAULT '{}', recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream, version));
SQL
cat > "$DIR/insert.sql" <<'SQL'
INSERT INTO public.plain_events (stream, event_id, data) VALUES ('rtEvent-exec-01.' || gen_random_uuid(), gen_random_uuid(), '{"instance":"exec-01","eventId":"x","queue":"realtime","to":"pending","eventType":"ORDER_CONFIRMATION","channel":"email"}');
SQL

"$BIN" bench --print-wrk-script > "$DIR/append.lua"   # the same requests as `mcledger bench --workloads http`
MCLEDGER_TOKENS="append $TOKEN" "$BIN" serve --database-url "$URL" --port "$HTTPPORT" --log-level warning ${GATHER_US:+--commit-gather-us $GATHER_US} ${SERVE_FLAGS:-} 2>"$DIR/serve.log" &
SERVER_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$HTTPPORT/healthz" >/dev/null && break; sleep 0.1; done

echo "| clients | mcledger serve events/s | pgbench one-row tx/s | ratio | mcledger p50 / p99 ms | pgbench avg ms |"
echo "|---:|---:|---:|---:|---:|---:|"
for c in $CLIENTS; do
  threads=$(( c < 2 ? 1 : 2 ))
  BENCH_TOKEN=$TOKEN wrk -t"$threads" -c"$c" -d"${SECONDS_EACH}s" --latency -s "$DIR/append.lua" \
    "http://127.0.0.1:$HTTPPORT/v1/events" > "$DIR/wrk-$c.txt" 2>"$DIR/wrk-$c.err" || true
  rate=$(awk '/Requests\/sec/ {print $2}' "$DIR/wrk-$c.txt")
  p50=$(awk '$1=="50%" {print $2}' "$DIR/wrk-$c.txt")
  p99=$(awk '$1=="99%" {print $2}' "$DIR/wrk-$c.txt")
  errors=$(grep -c "unexpected status" "$DIR/wrk-$c.err" || true)
  as_pg "$PGBIN/pgbench" -n -M prepared -c "$c" -j "$threads" -T "$SECONDS_EACH" -f "$DIR/insert.sql" \
    -h "$WORK" -U postgres postgres > "$DIR/pgbench-$c.txt" 2>&1
  tps=$(awk -F'= ' '/^tps/ {split($2, a, " "); print a[1]}' "$DIR/pgbench-$c.txt")
  lat=$(awk -F'= ' '/latency average/ {split($2, a, " "); print a[1]}' "$DIR/pgbench-$c.txt")
  ratio=$(awk -v a="$rate" -v b="$tps" 'BEGIN { printf "%.2fx", a / b }')
  echo "| $c | ${rate%.*} | ${tps%.*} | $ratio | $p50 / $p99 | $lat |"
  [[ $errors == 0 ]] || log "$errors non-201 answers at $c clients (see $DIR/wrk-$c.err)"
done
if [[ -n ${PROFILE:-} ]]; then
  curl -s "http://127.0.0.1:$HTTPPORT/metrics" | grep -E "^mcledger_commit_(duration_seconds|batch_(requests|events))_(sum|count)" >&2
  psql "$URL" -c "SELECT calls, round(total_exec_time::numeric, 1) AS total_ms, round(mean_exec_time::numeric, 3) AS mean_ms, rows, left(regexp_replace(query, '\s+', ' ', 'g'), 90) AS query FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12" >&2
fi
stored=$(psql -Atq "$URL" -c "SELECT count(*) FROM mcledger.events")
gaps=$(psql -Atq "$URL" -c "SELECT count(*) - coalesce(max(position), 0) FROM mcledger.events")
rounds=$(curl -s "http://127.0.0.1:$HTTPPORT/metrics" | awk '/^mcledger_commit_batch_requests_(sum|count)/ {v[$1]=$2} END {if (v["mcledger_commit_batch_requests_count"]>0) printf "%.1f", v["mcledger_commit_batch_requests_sum"]/v["mcledger_commit_batch_requests_count"]}')
log "ledger holds $stored events (position gaps: $gaps); mean requests per commit: $rounds"
