#!/usr/bin/env bash
# Replay lag of a streaming replica while `mcledger append` bulk-loads the
# primary, and the size of the ledger per event (docs/scaling.md).
#
#   scripts/replica-lag.sh [N]        # N events (default 200000)
#   MCLEDGER=path/to/mcledger         # default: .build/release/mcledger, else .build/debug/mcledger
#
# Starts a throwaway primary (PostgreSQL defaults: fsync on, synchronous_commit
# on) and a hot standby made with `pg_basebackup -R -X stream`, each on its own
# Unix socket; appends N generated events to the primary while sampling, every
# 0.2 s, the primary's head, the standby's head (max(position)) and the
# standby's replay lag; prints the largest lag, how long the standby took to
# catch up after the append returned, and bytes per event (table + indexes).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-200000}
MCLEDGER=${MCLEDGER:-}
if [[ -z $MCLEDGER ]]; then
    if [[ -x $ROOT/.build/release/mcledger ]]; then MCLEDGER=$ROOT/.build/release/mcledger; else MCLEDGER=$ROOT/.build/debug/mcledger; fi
fi
source "$ROOT/scripts/lib/cluster.sh"

cluster_on_exit() {
    [[ -n ${SAMPLER:-} ]] && kill "$SAMPLER" 2>/dev/null || true
    if [[ -f $WORK/standby/postmaster.pid ]]; then
        as_pg "$PGBIN/pg_ctl" -D "$WORK/standby" -m fast -w stop >/dev/null 2>&1 || true
    fi
}
cluster_init replica-lag
"${PSQL[@]}" -c "CREATE DATABASE mcledger" postgres
PRIMARY="host=$WORK user=postgres dbname=mcledger"
"$MCLEDGER" migrate --database-url "$PRIMARY" >/dev/null

mkdir "$WORK/standby-sock"
if [[ $(id -u) == 0 ]]; then chown postgres: "$WORK/standby-sock"; fi
as_pg "$PGBIN/pg_basebackup" -D "$WORK/standby" -R -X stream --checkpoint=fast -d "host=$WORK user=postgres"
as_pg "$PGBIN/pg_ctl" -D "$WORK/standby" -l "$WORK/standby.log" -w \
    -o "-c listen_addresses='' -k $WORK/standby-sock" start >/dev/null
SPSQL=(psql -X -q -At -h "$WORK/standby-sock" -U postgres mcledger)
PPSQL=(psql -X -q -At -h "$WORK" -U postgres mcledger)

python3 "$ROOT/scripts/gen-events.py" --count "$N" --ndjson "$WORK/events.ndjson" >/dev/null

# Sampler: epoch seconds, primary head, standby head, standby replay lag (s, 0 when all received WAL is replayed).
(
    while true; do
        p=$("${PPSQL[@]}" -c "SELECT coalesce(max(position),0) FROM mcledger.events" 2>/dev/null || echo -1)
        s=$("${SPSQL[@]}" -c "SELECT coalesce(max(position),0) || ' ' || CASE WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0 ELSE round(extract(epoch FROM now() - pg_last_xact_replay_timestamp())::numeric, 3) END FROM mcledger.events" 2>/dev/null || echo "-1 -1")
        echo "$(date +%s.%N) $p $s"
        sleep 0.2
    done
) > "$WORK/samples" &
SAMPLER=$!

start=$(date +%s.%N)
"$MCLEDGER" append --database-url "$PRIMARY" "$WORK/events.ndjson" > "$WORK/append.json"
appended=$(date +%s.%N)
while [[ $("${SPSQL[@]}" -c "SELECT coalesce(max(position),0) FROM mcledger.events") -lt $N ]]; do sleep 0.05; done
caught_up=$(date +%s.%N)
kill "$SAMPLER"; SAMPLER=

echo "append: $(cat "$WORK/append.json")"
awk -v s="$start" -v a="$appended" -v c="$caught_up" -v n="$N" '
    $2 >= 0 && $3 >= 0 { lag = $2 - $3; if (lag > maxlag) maxlag = lag; if ($4 > maxsec) maxsec = $4; samples++ }
    END {
        printf "append %.1f s (%.0f events/s); standby caught up %.2f s after the append returned\n", a - s, n / (a - s), c - a
        printf "largest sampled lag: %d events, %.3f s replay lag (%d samples every 0.2 s)\n", maxlag, maxsec, samples
    }' "$WORK/samples"
"${PPSQL[@]}" -c "VACUUM ANALYZE mcledger.events" >/dev/null
"${PPSQL[@]}" -F ' ' -c "SELECT 'primary bytes/event (table+indexes, total):', round(pg_total_relation_size('mcledger.events')::numeric / count(*)), pg_size_pretty(pg_total_relation_size('mcledger.events')), 'table', pg_size_pretty(pg_table_size('mcledger.events')), 'indexes', pg_size_pretty(pg_indexes_size('mcledger.events')) FROM mcledger.events"
"${PPSQL[@]}" -F ' ' -c "SELECT 'projections (all mcledger tables but events):', pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'mcledger' AND c.relkind = 'r' AND c.relname <> 'events'"
sleep 1
"${SPSQL[@]}" -F ' ' -c "SELECT 'standby: in recovery', pg_is_in_recovery(), 'read only', current_setting('transaction_read_only'), 'events', count(*), 'bytes/event', round(pg_total_relation_size('mcledger.events')::numeric / count(*)) FROM mcledger.events"
