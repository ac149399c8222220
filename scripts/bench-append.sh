#!/usr/bin/env bash
# Bulk-append benchmark for mcledger (issue 2).
#
#   N=1000000 scripts/bench-append.sh          # from the repository root (N defaults to 1,000,000)
#
# In one run:
#  1. builds mcledger in release into .build-release (once; reused if present;
#     REBUILD=1 forces `swift build` again);
#  2. starts a throwaway PostgreSQL 15 cluster under /tmp (Unix socket only,
#     PostgreSQL defaults: fsync on, synchronous_commit on), removed on exit;
#  3. generates N realistic EventStatusChanged events (scripts/gen-events.py),
#     as NDJSON and as the same rows in COPY text format;
#  4. `mcledger migrate` + `mcledger append FILE` under /usr/bin/time -v, into a
#     fresh database, for N/4 events and for N events (memory constancy);
#  5. baseline: COPY of the same rows into a plain table with the usual event
#     store constraints, and into one with the primary key only;
#  6. `mcledger verify` and `mcledger history --format ndjson > /dev/null`;
#     checks that mcledger stored exactly the rows the COPY baseline holds;
#  7. prints a table (markdown) of the results.
#
# While `mcledger append N` runs, a sampler records every 1 s which processes use
# CPU and what the appending backend waits on (pg_stat_activity.wait_event),
# summarised under "Where the time goes".
#
# Environment: N (events), SEED (generator seed), KEEP=1 (keep the temp dir),
# RESULTS=FILE (also write the final report there), REBUILD=1.
set -euo pipefail

N=${N:-1000000}
SEED=${SEED:-20241127}
QUARTER=$(( N / 4 ))
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGBIN=/usr/lib/postgresql/15/bin
BIN=$ROOT/.build-release/release/mcledger

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

(( N >= 4 )) || die "N must be at least 4"
[[ -x $PGBIN/initdb ]] || die "PostgreSQL 15 binaries not found in $PGBIN"
id postgres >/dev/null 2>&1 || die "no 'postgres' user"

# /usr/bin/time (GNU time, for -v: wall clock and peak RSS)
if ! /usr/bin/time -v true >/dev/null 2>&1; then
    log "installing GNU time"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi

# ---------------------------------------------------------------- 1. build
if [[ ! -x $BIN || ${REBUILD:-0} == 1 ]]; then
    log "building mcledger (release) into .build-release"
    (cd "$ROOT" && swift build -c release --scratch-path .build-release --product mcledger) >&2
else
    log "reusing $BIN (REBUILD=1 to rebuild)"
fi
[[ -x $BIN ]] || die "build produced no $BIN"

# ---------------------------------------------------------------- 2. cluster
SAMPLER_PID=
cluster_on_exit() { if [[ -n $SAMPLER_PID ]]; then kill "$SAMPLER_PID" 2>/dev/null || true; fi; }
source "$ROOT/scripts/lib/cluster.sh"
log "initdb and start a throwaway cluster"
cluster_init mcledger-bench
url() { echo "postgresql:///$1?host=$WORK&user=postgres"; }
sql() { local db=$1; shift; "${PSQL[@]}" -d "$db" -At -c "$*"; }
log "PostgreSQL $(sql postgres 'SHOW server_version'); fsync=$(sql postgres 'SHOW fsync'), synchronous_commit=$(sql postgres 'SHOW synchronous_commit'), shared_buffers=$(sql postgres 'SHOW shared_buffers'), max_wal_size=$(sql postgres 'SHOW max_wal_size')"

# ---------------------------------------------------------------- 3. data
log "generating $N events"
t0=$(date +%s.%N)
python3 "$ROOT/scripts/gen-events.py" --count "$N" --seed "$SEED" --ndjson "$WORK/events.ndjson" --copy "$WORK/events.copy"
head -n "$QUARTER" "$WORK/events.ndjson" > "$WORK/events-quarter.ndjson"   # a prefix of legal lifecycles is legal
t1=$(date +%s.%N)
BYTES=$(stat -c %s "$WORK/events.ndjson")
log "generated in $(printf '%.1f' "$(echo "$t1 - $t0" | bc)") s: $BYTES bytes, $(( BYTES / N )) bytes/line"

# ---------------------------------------------------------------- timing helpers
# timed LABEL OUT CMD...: runs CMD under /usr/bin/time -v with stdout to OUT;
# sets SECS (wall, from date), RSS_KB, RC.
timed() {
    local label=$1 out=$2; shift 2
    local a b
    a=$(date +%s.%N)
    set +e
    /usr/bin/time -v -o "$WORK/time.$label" "$@" > "$out" 2> "$WORK/stderr.$label"
    RC=$?
    set -e
    b=$(date +%s.%N)
    SECS=$(echo "$b - $a" | bc)
    RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.$label")
    USER_S=$(awk -F': ' '/User time/ {print $2}' "$WORK/time.$label")
    SYS_S=$(awk -F': ' '/System time/ {print $2}' "$WORK/time.$label")
}
# timed_stdin LABEL IN CMD...: same with stdin from IN and stdout discarded.
timed_stdin() {
    local label=$1 in=$2; shift 2
    local a b
    a=$(date +%s.%N)
    set +e
    /usr/bin/time -v -o "$WORK/time.$label" "$@" < "$in" > /dev/null 2> "$WORK/stderr.$label"
    RC=$?
    set -e
    b=$(date +%s.%N)
    SECS=$(echo "$b - $a" | bc)
    RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.$label")
}
fail_with() { # LABEL: prints the captured output of a failed step and exits
    log "$1 failed (exit $RC); stderr:"; tail -n 20 "$WORK/stderr.$1" >&2
    if [[ -f $WORK/out.$1 ]]; then log "stdout:"; tail -n 5 "$WORK/out.$1" >&2; fi
    exit 1
}
rate() { echo "$1 / $2" | bc -l | xargs printf '%.0f'; }
mib() { echo "$1 / 1024" | bc -l | xargs printf '%.0f'; }
fmt_s() { printf '%.1f' "$1"; }

# The sampler: every 1 s, CPU of mcledger and of the busiest postgres processes,
# and the wait events of the client backends.
start_sampler() {
    local db=$1
    (
        while :; do
            ps -eo pcpu=,cputime=,args= --sort=-pcpu | head -n 6 | cut -c1-110 | sed 's/^/ps /' || true
            ps -C postgres,mcledger -o cputime=,args= | grep -E "postgres: postgres $db |mcledger append" | cut -c1-110 | sed 's/^/cpu /' || true
            "${PSQL[@]}" -d postgres -At -F ' ' -c \
                "SELECT 'wait', coalesce(wait_event_type,'-')||':'||coalesce(wait_event,'CPU'),
                        replace(backend_type, ' ', '_') || '/' || state,
                        '|', regexp_replace(left(query, 60), '\\s+', ' ', 'g')
                 FROM pg_stat_activity WHERE datname = '$db' AND pid <> pg_backend_pid()" 2>/dev/null || true
            sleep 1
        done
    ) > "$WORK/samples.$db" 2>/dev/null &
    SAMPLER_PID=$!
}
stop_sampler() {
    if [[ -n $SAMPLER_PID ]]; then
        kill "$SAMPLER_PID" 2>/dev/null || true
        wait "$SAMPLER_PID" 2>/dev/null || true
        SAMPLER_PID=
    fi
}

declare -A R_SECS R_ROWS R_RSS R_NOTE

# ---------------------------------------------------------------- 4. mcledger append
run_append() { # LABEL DB FILE ROWS
    local label=$1 db=$2 file=$3 rows=$4
    sql postgres "CREATE DATABASE $db"
    export MCLEDGER_DATABASE_URL; MCLEDGER_DATABASE_URL=$(url "$db")
    "$BIN" migrate > "$WORK/out.migrate-$db" 2> "$WORK/stderr.migrate-$db" \
        || { RC=$?; fail_with "migrate-$db"; }
    sql "$db" "CHECKPOINT"
    log "mcledger append: $rows events into database $db"
    if [[ $label == append-full ]]; then start_sampler "$db"; fi
    timed "$label" "$WORK/out.$label" "$BIN" append "$file"
    stop_sampler
    [[ $RC == 0 ]] || fail_with "$label"
    local summary appended
    summary=$(tail -n 1 "$WORK/out.$label")
    appended=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["appended"])' "$summary")
    local stored
    stored=$(sql "$db" "SELECT count(*) || ' ' || coalesce(max(position),0) FROM mcledger.events")
    log "  $(fmt_s "$SECS") s, peak RSS $(mib "$RSS_KB") MiB, user $USER_S s, sys $SYS_S s; summary: $summary; stored (count max): $stored"
    [[ $appended == "$rows" && $stored == "$rows $rows" ]] \
        || die "wrong count: expected $rows appended and stored, summary says $appended, table has (count, max position) = ($stored)"
    R_SECS[$label]=$SECS; R_ROWS[$label]=$rows; R_RSS[$label]=$RSS_KB
    R_NOTE[$label]="user ${USER_S}s sys ${SYS_S}s (mcledger process)"
}

run_append append-quarter mcl_quarter "$WORK/events-quarter.ndjson" "$QUARTER"
run_append append-full mcl_full "$WORK/events.ndjson" "$N"
sql postgres "DROP DATABASE mcl_quarter"

# ---------------------------------------------------------------- 5. COPY baseline
sql postgres "CREATE DATABASE plain"
sql plain "CREATE TABLE plain_events(position bigint primary key, stream text not null, version int not null,
    event_id uuid not null unique, type text not null, data jsonb not null, metadata jsonb not null default '{}',
    recorded_at timestamptz not null default now(), hash bytea, unique(stream, version))"
sql plain "CREATE TABLE plain_events_pk(position bigint primary key, stream text not null, version int not null,
    event_id uuid not null, type text not null, data jsonb not null, metadata jsonb not null default '{}',
    recorded_at timestamptz not null default now(), hash bytea)"
for table in plain_events plain_events_pk; do
    sql plain "CHECKPOINT"
    log "COPY $N rows into $table"
    timed_stdin "copy-$table" "$WORK/events.copy" "${PSQL[@]}" -d plain \
        -c "COPY $table(position, stream, version, event_id, type, data, metadata) FROM STDIN"
    [[ $RC == 0 ]] || fail_with "copy-$table"
    count=$(sql plain "SELECT count(*) FROM $table")
    [[ $count == "$N" ]] || die "COPY into $table left $count rows, expected $N"
    log "  $(fmt_s "$SECS") s"
    R_SECS[copy-$table]=$SECS; R_ROWS[copy-$table]=$N; R_RSS[copy-$table]=
done

# Same rows? mcledger's table against the COPY baseline (jsonb printed by the same server).
log "comparing mcledger.events with plain_events"
ROWS_SQL="SELECT position, stream, version, event_id, type, data, metadata FROM %s ORDER BY position"
sum_mcl=$("${PSQL[@]}" -d mcl_full -c "COPY ($(printf "$ROWS_SQL" mcledger.events)) TO STDOUT" | md5sum | cut -d' ' -f1)
sum_plain=$("${PSQL[@]}" -d plain -c "COPY ($(printf "$ROWS_SQL" plain_events)) TO STDOUT" | md5sum | cut -d' ' -f1)
if [[ $sum_mcl == "$sum_plain" ]]; then SAME_ROWS="identical (md5 $sum_mcl)"; else SAME_ROWS="DIFFERENT (mcledger $sum_mcl, COPY $sum_plain)"; fi
log "  rows: $SAME_ROWS"
SIZES=$(sql mcl_full "SELECT pg_size_pretty(pg_table_size('mcledger.events')) || ' table + ' || pg_size_pretty(pg_indexes_size('mcledger.events')) || ' indexes'")
SIZES_PLAIN=$(sql plain "SELECT pg_size_pretty(pg_table_size('plain_events')) || ' table + ' || pg_size_pretty(pg_indexes_size('plain_events')) || ' indexes'")

# ---------------------------------------------------------------- 6. verify, history
export MCLEDGER_DATABASE_URL; MCLEDGER_DATABASE_URL=$(url mcl_full)
sql mcl_full "CHECKPOINT"
log "mcledger verify"
timed verify "$WORK/out.verify" "$BIN" verify
VERIFY_RC=$RC
VERIFY_OUT=$(head -c 300 "$WORK/out.verify" | head -n 3)
log "  $(fmt_s "$SECS") s, exit $VERIFY_RC: $VERIFY_OUT"
R_SECS[verify]=$SECS; R_ROWS[verify]=$N; R_RSS[verify]=$RSS_KB; R_NOTE[verify]="exit $VERIFY_RC: $VERIFY_OUT"
[[ $VERIFY_RC == 0 ]] || { log "verify stderr:"; tail -n 20 "$WORK/stderr.verify" >&2; }

log "mcledger history --format ndjson > /dev/null"
timed history /dev/null "$BIN" history --format ndjson
[[ $RC == 0 ]] || fail_with history
log "  $(fmt_s "$SECS") s"
R_SECS[history]=$SECS; R_ROWS[history]=$N; R_RSS[history]=$RSS_KB; R_NOTE[history]="exit $RC"
# and its line count, separately (not timed)
HISTORY_LINES=$("$BIN" history --format ndjson 2>/dev/null | wc -l)
[[ $HISTORY_LINES == "$N" ]] || log "WARNING: history printed $HISTORY_LINES lines, expected $N"

# ---------------------------------------------------------------- where the time goes
summarise_samples() {
    local f=$WORK/samples.mcl_full
    [[ -s $f ]] || { echo "(no samples)"; return; }
    local n
    n=$(grep -c '^wait ' "$f" || true)
    echo "Samples of pg_stat_activity for the database's backends: mcledger's connection (client_backend) and autovacuum ($n samples, every 1 s):"
    grep '^wait ' "$f" | awk '{print $2" ("$3")"}' | sort | uniq -c | sort -rn | sed 's/^/    /'
    echo "... and the statement running (active samples only):"
    grep '^wait .*/active |' "$f" | sed 's/^.*| //' | sed -E 's/\$[0-9]+.*$/.../' | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/    /'
    echo "Busiest processes at the last sample (ps: %CPU averaged over each process's life, 100 = one core; CPU time):"
    grep '^ps ' "$f" | tail -n 6 | sed 's/^ps /    /'
    echo "CPU time used so far by the appending backend and by mcledger, at the last sample:"
    grep '^cpu ' "$f" | tail -n 2 | sed 's/^cpu /    /'
}
CHECKPOINTS=$(grep -c 'checkpoint starting' "$WORK/postgres.log" || true)
TOO_FREQUENT=$(grep -c 'checkpoints are occurring too frequently' "$WORK/postgres.log" || true)

# ---------------------------------------------------------------- 7. report
C=${R_SECS[copy-plain_events]}
CPK=${R_SECS[copy-plain_events_pk]}
row() { # LABEL WORKLOAD
    local l=$1 w=$2 s=${R_SECS[$1]} n=${R_ROWS[$1]} rss=${R_RSS[$1]:-} ratio ratio_pk
    # per-row time relative to the COPY of N rows (so the N/4 row compares fairly)
    ratio=$(echo "($s / $n) / ($C / $N)" | bc -l | xargs printf '%.2f')
    ratio_pk=$(echo "($s / $n) / ($CPK / $N)" | bc -l | xargs printf '%.2f')
    printf '| %s | %s | %s | %s | %s | %s× | %s× |\n' "$w" "$n" "$(fmt_s "$s")" "$(rate "$n" "$s")" \
        "${rss:+$(mib "$rss") MiB}" "$ratio" "$ratio_pk"
}
{
    echo "mcledger bulk-append benchmark: N=$N, $(( BYTES / N )) bytes/line NDJSON, seed $SEED"
    echo "load average at the end: $(cut -d" " -f1-3 /proc/loadavg) (other processes on the machine compete for the 2 cores)"
    echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM; PostgreSQL $(sql postgres 'SHOW server_version') defaults (fsync on, synchronous_commit on, shared_buffers $(sql postgres 'SHOW shared_buffers'), max_wal_size $(sql postgres 'SHOW max_wal_size'))"
    echo
    echo "| workload | rows | seconds | rows/s | peak RSS | per-row time ÷ COPY (all constraints) | per-row time ÷ COPY (pk only) |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    row append-full "\`mcledger append\` (N)"
    row append-quarter "\`mcledger append\` (N/4)"
    row copy-plain_events "COPY plain_events (pk, unique event_id, unique (stream, version))"
    row copy-plain_events_pk "COPY plain_events_pk (pk only)"
    row verify "\`mcledger verify\`"
    row history "\`mcledger history --format ndjson > /dev/null\`"
    echo
    echo "- verify: ${R_NOTE[verify]}"
    echo "- history: printed $HISTORY_LINES lines"
    echo "- append N: ${R_NOTE[append-full]}; append N/4: ${R_NOTE[append-quarter]}"
    echo "- peak RSS of append: N/4 → $(mib "${R_RSS[append-quarter]}") MiB, N → $(mib "${R_RSS[append-full]}") MiB"
    echo "- stored rows vs COPY baseline: $SAME_ROWS"
    echo "- sizes: mcledger.events $SIZES; plain_events $SIZES_PLAIN"
    echo "- checkpoints during the run: $CHECKPOINTS (\"too frequently\" warnings: $TOO_FREQUENT)"
    echo
    echo "Where the time goes (during \`mcledger append\` N):"
    summarise_samples
} | tee "$WORK/report.txt"
if [[ -n ${RESULTS:-} ]]; then cp "$WORK/report.txt" "$RESULTS"; fi
[[ $VERIFY_RC == 0 && $SAME_ROWS == identical* && $HISTORY_LINES == "$N" ]] || die "a check failed (see above)"
log "done"
