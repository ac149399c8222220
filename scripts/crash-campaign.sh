#!/usr/bin/env bash
# Crash campaign: nothing acknowledged is lost, nothing is stored twice.
#
# On a throwaway cluster (scripts/lib/cluster.sh), `mcledger serve` takes
# appends from CLIENTS concurrent clients (scripts/crash_client.py: single
# domain events with client-generated eventIds, in-doubt appends re-sent with
# the same ids, every acknowledged id recorded with its position). Meanwhile
# PostgreSQL is killed PG_KILLS times, alternating `pg_ctl stop -m immediate`
# and `kill -9` of the append connection's backend, and restarted; the
# mcledger server is killed (kill -9) and restarted SERVER_KILLS times.
# Afterwards the checker verifies: every acknowledged id stored exactly once,
# at its acknowledged position; positions gapless 1..head; per-stream versions
# gapless; `mcledger verify` exits 0; the projections equal a fresh rebuild.
#
#   CLIENTS=16 MINUTES=10 PG_KILLS=10 SERVER_KILLS=3 scripts/crash-campaign.sh
#
# Environment: CLIENTS (4), SECONDS_TOTAL or MINUTES (60 s), PG_KILLS (3),
# SERVER_KILLS (1), HTTPPORT (55400), BIN (the mcledger binary: .build/debug,
# else .build-release/release), KEEP=1 keeps the work directory.
# NEGATIVE=1: the negative control. synchronous_commit=off is forced
# server-wide (ALTER SYSTEM; wal_writer_delay=10s, large wal_buffers, so
# acknowledged commits sit in memory) and PostgreSQL is only killed with
# immediate shutdown: the checker MUST find lost acknowledged events; in this
# mode the script exits 0 only if it did (proof that the checker can fail).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CLIENTS=${CLIENTS:-4}
if [[ -n ${MINUTES:-} ]]; then DURATION=$(( MINUTES * 60 )); else DURATION=${SECONDS_TOTAL:-60}; fi
PG_KILLS=${PG_KILLS:-3}
SERVER_KILLS=${SERVER_KILLS:-1}
NEGATIVE=${NEGATIVE:-0}
HTTPPORT=${HTTPPORT:-55400}
TOKEN=crash-campaign-token-0123456789abcdef
if [[ -z ${BIN:-} ]]; then
    BIN=$ROOT/.build/debug/mcledger
    [[ -x $BIN ]] || BIN=$ROOT/.build-release/release/mcledger
fi
TAG=crash-campaign
[[ $NEGATIVE == 1 ]] && TAG=crash-negative
log() { printf '[%s %s] %s\n' "$TAG" "$(date +%H:%M:%S)" "$*" >&2; }
[[ -x $BIN ]] || { log "no mcledger binary at $BIN (swift build)"; exit 1; }
command -v python3 >/dev/null || { log "python3 is missing"; exit 1; }

SERVER_PID=
CLIENTS_PID=
cluster_on_exit() {
    [[ -n $CLIENTS_PID ]] && kill "$CLIENTS_PID" 2>/dev/null
    [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null
    wait 2>/dev/null
    return 0
}
source "$ROOT/scripts/lib/cluster.sh"
cluster_init "$TAG" "-c max_connections=100"
URL="postgresql:///postgres?host=$WORK&user=postgres"
"$BIN" migrate --database-url "$URL" >/dev/null

pg_start() {
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$WORK/postgres.log" -w -t 120 \
        -o "-c listen_addresses='' -k $WORK -c max_connections=100" start >/dev/null
}
pg_ready() { for _ in $(seq 600); do psql -Atqc "SELECT 1" "$URL" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

if [[ $NEGATIVE == 1 ]]; then
    # Acknowledge before the WAL is on disk, and keep it in memory for long.
    "${PSQL[@]}" -c "ALTER SYSTEM SET synchronous_commit = off" \
        -c "ALTER SYSTEM SET wal_writer_delay = '10s'" -c "ALTER SYSTEM SET wal_writer_flush_after = '1GB'" \
        -c "ALTER SYSTEM SET wal_buffers = '64MB'" -c "ALTER SYSTEM SET checkpoint_timeout = '1h'"
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
    pg_start
    log "negative control: synchronous_commit=$(psql -Atqc 'SHOW synchronous_commit' "$URL"), wal_writer_delay=$(psql -Atqc 'SHOW wal_writer_delay' "$URL")"
fi

server_start() {
    MCLEDGER_TOKENS="admin $TOKEN" "$BIN" serve --database-url "$URL" --port "$HTTPPORT" \
        --log-level notice --log-format json >>"$WORK/serve.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 300); do curl -sf "http://127.0.0.1:$HTTPPORT/healthz" >/dev/null && return 0; sleep 0.1; done
    log "the server did not come up (see $WORK/serve.log)"; return 1
}
server_start

STOP=$WORK/stop
python3 "$ROOT/scripts/crash_client.py" run --port "$HTTPPORT" --token "$TOKEN" --clients "$CLIENTS" \
    --acks "$WORK/acks.txt" --stats "$WORK/client-stats.json" --stop "$STOP" &
CLIENTS_PID=$!
log "$CLIENTS clients for ${DURATION}s; $PG_KILLS PostgreSQL kills, $SERVER_KILLS server kills (work dir $WORK, binary $BIN)"

# The kills, spread evenly over the run: PostgreSQL kills and server kills interleaved.
declare -a SCHEDULE=()
total=$(( PG_KILLS + SERVER_KILLS ))
pg_left=$PG_KILLS; server_left=$SERVER_KILLS
for (( i = 0; i < total; i++ )); do
    # Pick the kind whose share of the schedule is furthest behind.
    if (( server_left > 0 && (pg_left == 0 || server_left * PG_KILLS > pg_left * SERVER_KILLS) )); then
        SCHEDULE+=(server); server_left=$(( server_left - 1 ))
    else
        SCHEDULE+=(pg); pg_left=$(( pg_left - 1 ))
    fi
done
pg_kills_done=0; pg_immediate=0; pg_backend=0; server_kills_done=0
started=$(date +%s)
for (( i = 0; i < total; i++ )); do
    at=$(( started + DURATION * (i + 1) / (total + 1) ))
    now=$(date +%s); (( at > now )) && sleep $(( at - now ))
    if [[ ${SCHEDULE[$i]} == server ]]; then
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        log "server killed (kill -9); restarting"
        sleep 0.5
        server_start
        server_kills_done=$(( server_kills_done + 1 ))
        continue
    fi
    pg_kills_done=$(( pg_kills_done + 1 ))
    if [[ $NEGATIVE == 1 || $(( pg_kills_done % 2 )) == 1 ]]; then
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null
        log "PostgreSQL stopped (-m immediate); restarting in 2 s"
        sleep 2
        pg_start
        pg_immediate=$(( pg_immediate + 1 ))
    else
        # Aim at the in-doubt window: wait (up to 3 s) until the append
        # backend is writing or flushing WAL, i.e. most likely committing.
        pid=$(psql -Atq "$URL" 2>/dev/null <<'SQL' || true
SET client_min_messages = warning;
CREATE TEMP TABLE found (pid int);
DO $$
DECLARE p int; deadline timestamptz := clock_timestamp() + interval '3 s';
BEGIN
    LOOP
        PERFORM pg_stat_clear_snapshot();
        SELECT a.pid INTO p FROM pg_stat_activity a
        WHERE a.application_name = 'mcledger-serve-append'
          AND (a.wait_event IN ('WALSync', 'WALWrite', 'WALInsert') OR clock_timestamp() > deadline)
        LIMIT 1;
        EXIT WHEN p IS NOT NULL OR clock_timestamp() > deadline + interval '1 s';
    END LOOP;
    INSERT INTO found VALUES (p);
END $$;
SELECT pid FROM found WHERE pid IS NOT NULL;
SQL
)
        if [[ -n $pid ]]; then
            kill -9 "$pid"
            log "append backend $pid killed (kill -9), aimed at its WAL flush; PostgreSQL restarts itself (crash recovery)"
        else
            # No append connection at this instant (it is being reopened): any backend of the server.
            pid=$(psql -Atqc "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'mcledger-serve%' LIMIT 1" "$URL" 2>/dev/null || true)
            [[ -n $pid ]] && kill -9 "$pid" && log "backend $pid of the server killed (kill -9; no append connection open)"
        fi
        pg_backend=$(( pg_backend + 1 ))
    fi
    pg_ready || { log "PostgreSQL did not come back"; exit 1; }
done
now=$(date +%s); end=$(( started + DURATION )); (( end > now )) && sleep $(( end - now ))

log "stopping the clients (each finishes the append in hand)"
touch "$STOP"
wait "$CLIENTS_PID" || true
CLIENTS_PID=

# The checker. Projections: let the projector catch up, then compare what it
# built with a fresh rebuild.
for _ in $(seq 600); do
    lag=$("$BIN" projections status --json --database-url "$URL" 2>/dev/null | python3 -c 'import json,sys; print(max(p["lag"] for p in json.load(sys.stdin)))' 2>/dev/null || echo x)
    [[ $lag == 0 ]] && break
    sleep 0.2
done
kill "$SERVER_PID" 2>/dev/null || true
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=
psql -Atq "$URL" -c "COPY (SELECT position, stream, version, event_id FROM mcledger.events ORDER BY position) TO STDOUT" >"$WORK/events.tsv"
verdict=$(python3 "$ROOT/scripts/crash_client.py" check --acks "$WORK/acks.txt" --events "$WORK/events.tsv") && checker_ok=1 || checker_ok=0
verify_status=0
"$BIN" verify --database-url "$URL" >"$WORK/verify.txt" 2>&1 || verify_status=$?
# A live counter that went back to 0 keeps its row, a rebuild writes none:
# the same answer, so rows with n = 0 are left out of the comparison.
projection_tables() {
    psql -Atq "$URL" -c "SELECT * FROM mcledger.topology ORDER BY stream" \
        -c "SELECT * FROM mcledger.status_counts WHERE n <> 0 ORDER BY instance, queue, event_type, metric"
    "$BIN" counts --json --database-url "$URL"
    "$BIN" readiness --json --database-url "$URL"
}
projection_tables >"$WORK/projections-live.txt" 2>&1
"$BIN" projections rebuild --database-url "$URL" >/dev/null 2>"$WORK/rebuild.log"
projection_tables >"$WORK/projections-rebuilt.txt" 2>&1
if cmp -s "$WORK/projections-live.txt" "$WORK/projections-rebuilt.txt"; then projections_equal=1; else projections_equal=0; fi

resolved_committed=$(grep -c '"outcome":"committed"' "$WORK/serve.log" || true)
resolved_not=$(grep -c '"outcome":"notCommitted"' "$WORK/serve.log" || true)
resolved_unknown=$(grep -c '"outcome":"unknown"' "$WORK/serve.log" || true)
python3 - "$verdict" "$WORK/client-stats.json" <<PY
import json, sys
v = json.loads(sys.argv[1]); s = json.load(open(sys.argv[2]))
c = s["counts"]
print("crash campaign%s: %d clients x %d s; PostgreSQL kills %d (%d immediate stop, %d backend kill -9); server kills %d"
      % (" (NEGATIVE CONTROL)" if "$NEGATIVE" == "1" else "", $CLIENTS, $DURATION, $pg_kills_done, $pg_immediate, $pg_backend, $server_kills_done))
print("  acknowledged %d (%d of them as repeats of an in-doubt send); appends sent %d, re-sent %d"
      % (v["acknowledged"], c["acknowledged_as_repeat"], c["attempts"], c["retried"]))
print("  in doubt at the client: 503 commit=no %d, 503 commit=unknown %d, other 503 %d, connection errors %d, timeouts %d, abandoned %d"
      % (c["answered_503_commit_no"], c["answered_503_commit_unknown"], c["answered_503_other"], c["connection_errors"], c["timeouts"], c["abandoned"]))
print("  in-doubt commits resolved by the server: committed $resolved_committed, not committed $resolved_not, unknown $resolved_unknown")
print("  ledger: %d events, head %d, %d streams; stored but never acknowledged %d"
      % (v["stored"], v["head"], v["streams"], v["stored_never_acknowledged"]))
print("  LOST %d, DUPLICATES %d, acknowledged at another position %d, position gaps %d, streams with version gaps %d, unexpected answers %d"
      % (v["lost"], v["duplicates"], v["acknowledged_at_other_position"], v["position_gaps"], v["streams_with_version_gaps"], c["unexpected_answers"]))
print("  verify exit $verify_status; projections equal to a fresh rebuild: %s" % ("yes" if "$projections_equal" == "1" else "NO"))
if s["unexpected"]: print("  unexpected answers: %s" % json.dumps(s["unexpected"][:3]))
if v["examples_lost"]: print("  lost ids (first 5): %s" % " ".join(v["examples_lost"]))
PY
unexpected=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["counts"]["unexpected_answers"])' "$WORK/client-stats.json")
lost=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["lost"])' "$verdict")

if [[ $NEGATIVE == 1 ]]; then
    if (( lost > 0 )); then log "negative control: the checker caught $lost lost acknowledged events, as it must"; exit 0; fi
    log "negative control FAILED: synchronous_commit=off and immediate kills, yet the checker reported no loss"; exit 1
fi
if [[ $checker_ok == 1 && $verify_status == 0 && $projections_equal == 1 && $unexpected == 0 ]]; then
    log "PASS"; exit 0
fi
[[ $projections_equal == 1 ]] || diff "$WORK/projections-live.txt" "$WORK/projections-rebuilt.txt" | head -20 >&2 || true
[[ $verify_status == 0 ]] || tail -5 "$WORK/verify.txt" >&2
log "FAIL (work dir kept in $WORK)"; KEEP=1; exit 1
