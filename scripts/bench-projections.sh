#!/usr/bin/env bash
# Projections benchmark for mcledger at scale (issue 3).
#
#   scripts/bench-projections.sh                 # from the repository root; N defaults to 10,000,000
#   N=300000 SAMPLES=50 scripts/bench-projections.sh   # a quick run
#
# In one run, on one throwaway PostgreSQL 15 cluster (PostgreSQL defaults:
# fsync on, synchronous_commit on; Unix socket only; removed on exit):
#  1. builds mcledger in release into .build-release (always: an incremental
#     `swift build`, retried once if a file changed mid-build; REBUILD=0 skips);
#  2. generates N realistic NDJSON lines with scripts/gen-deployment.py: the
#     EventStatusChanged traffic of scripts/gen-events.py plus a few hundred
#     topology events (instances, accounts, workflows created, started,
#     failed, paused, stopped, restarted), and the expected status totals;
#  3. `mcledger migrate` + `mcledger append FILE` (the product's bulk path)
#     under /usr/bin/time -v; then VACUUM ANALYZE mcledger.events (timed);
#  4. `mcledger projections rebuild` (readiness and counts) under
#     /usr/bin/time -v, with a 1 s sampler of pg_stat_activity; then
#     `mcledger projections status`;
#  5. the same status counts computed by one set-based SQL statement (with and
#     without the join to each event's first change), timed, and compared with
#     `mcledger counts --json` and with the generator's expected totals;
#  6. latency (pgbench, SAMPLES executions each, p50/p99 from the per
#     transaction log) of the queries behind readiness and counts at the head,
#     as of the middle (position N/2, a multiple of the snapshot interval) and
#     as of positions that are not on a snapshot (N/2 + 123,457 and N/2 - 2,000);
#     executions are capped so that each query takes at most ~BUDGET s (300); each query is
#     also run once under auto_explain (ANALYZE, BUFFERS, nested statements) so
#     that the plans inside the plpgsql/SQL functions are in the report;
#  7. the CLI commands once each (process start, connect, catch-up, answer);
#  8. `mcledger verify`, `mcledger history --format ndjson > /dev/null` and a
#     psql COPY of the same columns TO STDOUT.
#
# Environment: N, SEED, SAMPLES (pgbench executions per query, default 200),
# BUDGET (seconds of pgbench per query at most, default 300),
# KEEP=1 (keep the temp dir), RESULTS=FILE (also write the report there),
# REBUILD=0 (do not run swift build).
set -euo pipefail

N=${N:-10000000}
SEED=${SEED:-20241127}
SAMPLES=${SAMPLES:-200}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGBIN=/usr/lib/postgresql/15/bin
BIN=$ROOT/.build-release/release/mcledger
MID=$(( N / 2 ))
OFF=$(( MID + (N >= 1000000 ? 123457 : N / 8 + 7) ))   # between two counts snapshots
PRE=$(( MID - 2000 ))     # just after a snapshot interval's start: the longest replay (rebuild snapshots are 250,000 apart)

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
# Whole-machine CPU between two snapshots of /proc/stat: "busy X% steal Y%" of the 2 cores.
cpu_snap() { head -n 1 /proc/stat; }
cpu_delta() { # BEFORE AFTER
    python3 - "$1" "$2" <<'PY'
import sys
a = [int(x) for x in sys.argv[1].split()[1:9]]; b = [int(x) for x in sys.argv[2].split()[1:9]]
d = [y - x for x, y in zip(a, b)]; total = sum(d) or 1
user, nice, system, idle, iowait, irq, softirq, steal = d
print("machine busy %d%%, iowait %d%%, steal %d%%" % (round(100 * (user + nice + system + irq + softirq) / total),
      round(100 * iowait / total), round(100 * steal / total)))
PY
}

(( N >= 100000 )) || die "N must be at least 100000"
[[ -x $PGBIN/initdb ]] || die "PostgreSQL 15 binaries not found in $PGBIN"
id postgres >/dev/null 2>&1 || die "no 'postgres' user"
if ! /usr/bin/time -v true >/dev/null 2>&1; then
    log "installing GNU time"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi

# ---------------------------------------------------------------- 1. build
if [[ ${REBUILD:-1} != 0 ]]; then
    log "building mcledger (release) into .build-release"
    if ! (cd "$ROOT" && swift build -c release --scratch-path .build-release --product mcledger) >&2; then
        log "build failed; retrying once (a source may have changed mid-build)"
        (cd "$ROOT" && swift build -c release --scratch-path .build-release --product mcledger) >&2
    fi
fi
[[ -x $BIN ]] || die "no $BIN"
BUILT_AT=$(date -r "$BIN" '+%Y-%m-%d %H:%M:%S')
SOURCES_AT=$(find "$ROOT/Sources" -type f -printf '%TY-%Tm-%Td %TH:%TM:%.2TS\n' | sort | tail -n 1)
SQL_MD5=$(cat "$ROOT"/Sources/Ledger/Resources/sql/*/*.sql | md5sum | cut -c1-12)

# ---------------------------------------------------------------- 2. cluster
SAMPLER_PID=
cluster_on_exit() { if [[ -n $SAMPLER_PID ]]; then kill "$SAMPLER_PID" 2>/dev/null || true; fi; }
source "$ROOT/scripts/lib/cluster.sh"
log "initdb and start a throwaway cluster"
cluster_init mcledger-projbench
DB=mcl
sql() { "${PSQL[@]}" -d "$DB" -At -c "$*"; }
"${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB"
export MCLEDGER_DATABASE_URL="postgresql:///$DB?host=$WORK&user=postgres"
PGSETTINGS="PostgreSQL $(sql 'SHOW server_version'): fsync=$(sql 'SHOW fsync'), synchronous_commit=$(sql 'SHOW synchronous_commit'), shared_buffers=$(sql 'SHOW shared_buffers'), work_mem=$(sql 'SHOW work_mem'), max_wal_size=$(sql 'SHOW max_wal_size'), max_parallel_workers_per_gather=$(sql 'SHOW max_parallel_workers_per_gather'), jit=$(sql 'SHOW jit')"
log "$PGSETTINGS"

# ---------------------------------------------------------------- helpers
# timed LABEL CMD...: CMD under /usr/bin/time -v, stdout to $WORK/out.LABEL,
# stderr to $WORK/stderr.LABEL; sets SECS (wall, from date), RSS_KB, RC, USER_S, SYS_S.
timed() {
    local label=$1; shift
    local a b c0
    c0=$(cpu_snap)
    a=$(date +%s.%N)
    set +e
    /usr/bin/time -v -o "$WORK/time.$label" "$@" > "$WORK/out.$label" 2> "$WORK/stderr.$label"
    RC=$?
    set -e
    b=$(date +%s.%N)
    CPU=$(cpu_delta "$c0" "$(cpu_snap)")
    SECS=$(echo "$b - $a" | bc)
    RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.$label")
    USER_S=$(awk -F': ' '/User time/ {print $2}' "$WORK/time.$label")
    SYS_S=$(awk -F': ' '/System time/ {print $2}' "$WORK/time.$label")
}
fail_with() {
    log "$1 failed (exit $RC); stderr:"; tail -n 20 "$WORK/stderr.$1" >&2
    log "stdout:"; tail -n 5 "$WORK/out.$1" >&2 || true
    exit 1
}
rate() { echo "$1 / $2" | bc -l | xargs printf '%.0f'; }
mib() { echo "$1 / 1024" | bc -l | xargs printf '%.0f'; }
f1() { printf '%.1f' "$1"; }
f2() { printf '%.2f' "$1"; }
# wall seconds of a psql statement, measured around psql (includes connect, ~10 ms)
psql_timed() { # LABEL SQL
    local label=$1 query=$2 a b c0
    c0=$(cpu_snap)
    a=$(date +%s.%N)
    "${PSQL[@]}" -d "$DB" -At -F ' ' -c "$query" > "$WORK/out.$label"
    b=$(date +%s.%N)
    CPU=$(cpu_delta "$c0" "$(cpu_snap)")
    SECS=$(echo "$b - $a" | bc)
}

start_sampler() { # FILE
    (
        while :; do
            ps -C postgres,mcledger -o cputime=,args= | grep -E "postgres: postgres $DB |$BIN " | cut -c1-110 | sed 's/^/cpu /' || true
            "${PSQL[@]}" -d postgres -At -F ' ' -c \
                "SELECT 'wait', coalesce(wait_event_type,'-')||':'||coalesce(wait_event,'CPU'),
                        replace(backend_type, ' ', '_') || '/' || state,
                        '|', regexp_replace(left(query, 70), '\\s+', ' ', 'g')
                 FROM pg_stat_activity WHERE datname = '$DB' AND pid <> pg_backend_pid()" 2>/dev/null || true
            "${PSQL[@]}" -d "$DB" -At -F ' ' -c \
                "SELECT 'ckpt', to_char(clock_timestamp(), 'HH24:MI:SS'), name, position FROM mcledger.projection_checkpoints WHERE name LIKE '%:rebuild'" 2>/dev/null || true
            sleep 1
        done
    ) > "$1" 2>/dev/null &
    SAMPLER_PID=$!
}
stop_sampler() {
    if [[ -n $SAMPLER_PID ]]; then kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=; fi
}
summarise_samples() { # FILE
    local f=$1
    echo "    wait events of the database's backends (1 s samples):"
    grep '^wait ' "$f" | awk '{print $2" ("$3")"}' | sort | uniq -c | sort -rn | head -n 8 | sed 's/^/      /' || true
    echo "    statements (active samples):"
    grep '^wait .*/active |' "$f" | sed 's/^.*| //' | sort | uniq -c | sort -rn | head -n 6 | sed 's/^/      /' || true
    echo "    CPU time at the last sample (backend, mcledger):"
    grep '^cpu ' "$f" | tail -n 3 | sed 's/^cpu /      /' || true
}

REPORT=$WORK/report.md
: > "$REPORT"

# ---------------------------------------------------------------- 3. data and load
log "generating $N lines (scripts/gen-deployment.py)"
t0=$(date +%s.%N)
python3 "$ROOT/scripts/gen-deployment.py" --count "$N" --seed "$SEED" --ndjson "$WORK/events.ndjson" --expected "$WORK/expected.json"
t1=$(date +%s.%N)
BYTES=$(stat -c %s "$WORK/events.ndjson")
TOPO_LINES=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["topologyLines"])' "$WORK/expected.json")
log "generated in $(f1 "$(echo "$t1 - $t0" | bc)") s: $BYTES bytes, $TOPO_LINES topology events"

timed migrate "$BIN" migrate; [[ $RC == 0 ]] || fail_with migrate
sql "CHECKPOINT"
log "mcledger append: $N lines (load $(load))"
L_APPEND_START=$(load)
timed append "$BIN" append "$WORK/events.ndjson"
[[ $RC == 0 ]] || fail_with append
A_SECS=$SECS A_RSS=$RSS_KB A_USER=$USER_S A_SYS=$SYS_S L_APPEND=$(load) C_APPEND=$CPU
A_SUMMARY=$(tail -n 1 "$WORK/out.append")
STORED=$(sql "SELECT count(*) || ' ' || max(position) FROM mcledger.events")
log "  $(f1 "$A_SECS") s, $(rate "$N" "$A_SECS")/s, peak RSS $(mib "$A_RSS") MiB; $A_SUMMARY; stored: $STORED"
[[ $STORED == "$N $N" ]] || die "expected $N events stored, have (count, max) = ($STORED)"

log "VACUUM ANALYZE mcledger.events"
a=$(date +%s.%N); sql "VACUUM ANALYZE mcledger.events"; b=$(date +%s.%N)
VAC_SECS=$(echo "$b - $a" | bc)
SIZES=$(sql "SELECT pg_size_pretty(pg_table_size('mcledger.events')) || ' table + ' || pg_size_pretty(pg_indexes_size('mcledger.events')) || ' indexes'")
sql "CHECKPOINT"

# ---------------------------------------------------------------- 4. rebuild
log "mcledger projections rebuild (load $(load))"
start_sampler "$WORK/samples.rebuild"
timed rebuild "$BIN" projections rebuild
stop_sampler
[[ $RC == 0 ]] || fail_with rebuild
R_SECS=$SECS R_RSS=$RSS_KB R_USER=$USER_S R_SYS=$SYS_S L_REBUILD=$(load) C_REBUILD=$CPU
log "  $(f1 "$R_SECS") s, peak RSS $(mib "$R_RSS") MiB"
"$BIN" projections status > "$WORK/out.status" 2>&1 || true
CHECKPOINTS=$(sql "SELECT string_agg(name || '=' || position || coalesce(' (rebuilt in ' || round(rebuild_seconds::numeric, 1) || ' s, ' || rebuild_events || ' events)', ''), '; ' ORDER BY name) FROM mcledger.projection_checkpoints")
SNAPSHOTS=$(sql "SELECT 'counts snapshots: ' || count(DISTINCT position) || ' (' || count(*) || ' rows) at positions ' || coalesce(array_to_string((array_agg(DISTINCT position ORDER BY position))[1:4], ', '), '-') || ' ... ' || coalesce(max(position)::text, '-') FROM mcledger.status_count_snapshots")
PROJ_SIZES=$(sql "SELECT 'status_counts ' || (SELECT count(*) FROM mcledger.status_counts) || ' rows, topology ' || (SELECT count(*) FROM mcledger.topology) || ' rows'")

# ---------------------------------------------------------------- 5. set-based SQL
Q_JOIN="SELECT v1.data->>'instance', v1.data->>'queue', last.data->>'to', count(*)
FROM (SELECT DISTINCT ON (stream) stream, data FROM mcledger.events WHERE type = 'EventStatusChanged' ORDER BY stream, version DESC) last
JOIN mcledger.events v1 ON v1.stream = last.stream AND v1.version = 1
GROUP BY 1, 2, 3"
Q_SIMPLE="SELECT last.data->>'instance', last.data->>'queue', last.data->>'to', count(*)
FROM (SELECT DISTINCT ON (stream) stream, data FROM mcledger.events WHERE type = 'EventStatusChanged' ORDER BY stream, version DESC) last
GROUP BY 1, 2, 3"
sql "CHECKPOINT"
log "set-based SQL (join) (load $(load))"
psql_timed sql_join "$Q_JOIN";   S_JOIN=$SECS L_SQL=$(load) C_SQL=$CPU;   log "  $(f1 "$S_JOIN") s"
log "set-based SQL (no join)"
psql_timed sql_simple "$Q_SIMPLE"; S_SIMPLE=$SECS C_SIMPLE=$CPU; log "  $(f1 "$S_SIMPLE") s"
"${PSQL[@]}" -d "$DB" -c "EXPLAIN (ANALYZE, BUFFERS) $Q_JOIN" > "$WORK/explain.sql_join" 2>&1 || true

# counts --json at the head (timed below too) for the comparison
"$BIN" counts --json > "$WORK/counts-head.json" 2>/dev/null
COMPARE=$(python3 - "$WORK/out.sql_join" "$WORK/out.sql_simple" "$WORK/counts-head.json" "$WORK/expected.json" <<'EOF'
import json, sys
def totals(path):
    by = {}
    for line in open(path):
        inst, queue, to, n = line.split()
        by[to] = by.get(to, 0) + int(n)
    return by
join, simple = totals(sys.argv[1]), totals(sys.argv[2])
cli = json.load(open(sys.argv[3])); exp = json.load(open(sys.argv[4]))
cli_by = {k: v for k, v in cli["byStatus"].items() if v}
exp_by = {k: v for k, v in exp["byStatus"].items() if v}
ok = join == simple == cli_by == exp_by and cli["total"] == exp["total"] == sum(join.values()) \
     and cli["retries"] == exp["retries"] and cli["lateBounces"] == exp["lateBounces"]
print(("MATCH" if ok else "MISMATCH") + ": total %d (SQL join %d, SQL simple %d, expected %d); byStatus CLI %s; SQL %s; expected %s; retries CLI %d expected %d; lateBounces CLI %d expected %d"
      % (cli["total"], sum(join.values()), sum(simple.values()), exp["total"], json.dumps(cli_by, sort_keys=True),
         json.dumps(join, sort_keys=True), json.dumps(exp_by, sort_keys=True), cli["retries"], exp["retries"], cli["lateBounces"], exp["lateBounces"]))
EOF
)
log "  $COMPARE"

# ---------------------------------------------------------------- 6. latency (pgbench) + auto_explain
HEAD=$(sql "SELECT max(position) FROM mcledger.events")
declare -A QUERIES=(
    [topology_head]="SELECT * FROM mcledger.topology_at((SELECT max(position) FROM mcledger.events));"
    [counts_head]="SELECT * FROM mcledger.counts_at((SELECT max(position) FROM mcledger.events));"
    [topology_mid]="SELECT * FROM mcledger.topology_at($MID);"
    [counts_mid]="SELECT * FROM mcledger.counts_at($MID);"
    [topology_off]="SELECT * FROM mcledger.topology_at($OFF);"
    [counts_off]="SELECT * FROM mcledger.counts_at($OFF);"
    [counts_pre]="SELECT * FROM mcledger.counts_at($PRE);"
)
ORDER=(topology_head counts_head topology_mid counts_mid topology_off counts_off counts_pre)
declare -A LAT ROWS_OF
for q in "${ORDER[@]}"; do
    printf '%s\n' "${QUERIES[$q]}" > "$WORK/q.$q.sql"
    # one timed probe first: a slow query gets fewer executions (at most ~BUDGET s per query, at least 5)
    psql_timed "probe.$q" "${QUERIES[$q]}"
    ROWS_OF[$q]=$(wc -l < "$WORK/out.probe.$q")
    t=$(echo "b = ${BUDGET:-300} / $SECS; if (b > $SAMPLES) b = $SAMPLES; if (b < 5) b = 5; scale=0; b / 1" | bc -l)
    t=${t%.*}
    if (( t < SAMPLES )); then log "  $q took $(f2 "$SECS") s once: $t executions"; fi
    log "pgbench $q ($t executions; load $(load))"
    c0=$(cpu_snap)
    (cd "$WORK" && rm -f pgb.$q.* && "$PGBIN/pgbench" -n -h "$WORK" -U postgres -f "q.$q.sql" -t "$t" \
        --log --log-prefix="pgb.$q" "$DB" > "$WORK/out.pgbench.$q" 2>&1) || { cat "$WORK/out.pgbench.$q" >&2; die "pgbench $q failed"; }
    # pgbench 15 occasionally logs a latency of exactly 0 us for a transaction
    # (a stale lazily-read clock); those entries are dropped and counted.
    LAT[$q]=$(cat "$WORK"/pgb.$q.* | python3 -c '
import sys
raw = [int(l.split()[2]) for l in sys.stdin if l.strip()]
v = sorted(x / 1000 for x in raw if x > 0)
pct = lambda p: v[min(len(v) - 1, int(round(p / 100 * len(v) + 0.5)) - 1)]
print("%d|%.2f|%.2f|%.2f|%.2f|%d" % (len(v), pct(50), pct(99), v[0], v[-1], len(raw) - len(v)))')
    LAT[$q]="${LAT[$q]}|$(load); $(cpu_delta "$c0" "$(cpu_snap)")"
    log "  n|p50|p99|min|max ms|zeros dropped|load: ${LAT[$q]}"
    # the plans inside the functions, once
    "${PSQL[@]}" -d "$DB" > "$WORK/explain.$q" 2>&1 <<EOF || true
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
SET client_min_messages = notice;
\o /dev/null
${QUERIES[$q]}
EOF
done

# ---------------------------------------------------------------- 7. CLI once each
at_of() { sql "SELECT to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM mcledger.events WHERE position = $1"; }
MID_TIME=$(at_of "$MID")   # the time of a batch that ends exactly at N/2
OFF_TIME=$(at_of "$OFF")   # the time of the batch holding N/2 + 123,457
declare -A CLI_SECS CLI_RSS CLI_NOTE
CLI_ORDER=(readiness_json counts_json counts_pos_json readiness_pos_json counts_off_json readiness_asof counts_asof_json readiness_asof_off counts_asof_off_json)
declare -A CLI_CMD=(
    [readiness_json]="readiness --json"
    [counts_json]="counts --json"
    [counts_pos_json]="counts --position $MID --json"
    [readiness_pos_json]="readiness --position $MID --json"
    [readiness_asof]="readiness --as-of $MID_TIME"
    [counts_asof_json]="counts --as-of $MID_TIME --json"
    [counts_off_json]="counts --position $OFF --json"
    [readiness_asof_off]="readiness --as-of $OFF_TIME"
    [counts_asof_off_json]="counts --as-of $OFF_TIME --json"
)
for c in "${CLI_ORDER[@]}"; do
    # shellcheck disable=SC2086
    timed "cli.$c" "$BIN" ${CLI_CMD[$c]}
    [[ $RC == 0 ]] || fail_with "cli.$c"
    CLI_SECS[$c]=$SECS; CLI_RSS[$c]=$RSS_KB
    CLI_NOTE[$c]="exit $RC; $(python3 - "$WORK/out.cli.$c" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
try:
    d = json.loads(text)
    if "instances" in d:
        miss = ["%s/%s:%s" % (m["instance"], m["workflow"], m["state"]) for i in d["instances"] for m in i.get("missing", [])]
        print("position %s, ready %s, missing %s" % (d["position"], d["ready"], ", ".join(miss) or "none"))
    else:
        print("position %s, total %s" % (d["position"], d["total"]))
except Exception:
    print(" / ".join(l.strip() for l in text.splitlines()[:2])[:160])
EOF
)"
    log "  mcledger ${CLI_CMD[$c]}: $(f2 "$SECS") s; ${CLI_NOTE[$c]}"
done

# ---------------------------------------------------------------- 8. verify, history, COPY
sql "CHECKPOINT"
log "mcledger verify (load $(load))"
timed verify "$BIN" verify; V_RC=$RC V_SECS=$SECS V_RSS=$RSS_KB V_OUT=$(head -n 1 "$WORK/out.verify" | cut -c1-200) L_VERIFY=$(load) C_VERIFY=$CPU
log "  $(f1 "$V_SECS") s: exit $V_RC $V_OUT"
log "mcledger history --format ndjson > /dev/null"
c0=$(cpu_snap); a=$(date +%s.%N)
set +e; /usr/bin/time -v -o "$WORK/time.history" "$BIN" history --format ndjson > /dev/null 2> "$WORK/stderr.history"; H_RC=$?; set -e
b=$(date +%s.%N); H_SECS=$(echo "$b - $a" | bc); H_RSS=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.history"); L_HISTORY=$(load) C_HISTORY=$(cpu_delta "$c0" "$(cpu_snap)")
log "  $(f1 "$H_SECS") s, exit $H_RC"
log "psql COPY (SELECT ... ORDER BY position) TO STDOUT > /dev/null"
c0=$(cpu_snap); a=$(date +%s.%N)
/usr/bin/time -v -o "$WORK/time.copy" "${PSQL[@]}" -d "$DB" -c "COPY (SELECT position, stream, version, event_id, type, data, metadata, recorded_at, hash FROM mcledger.events ORDER BY position) TO STDOUT" > /dev/null
b=$(date +%s.%N); C_SECS=$(echo "$b - $a" | bc); C_RSS=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.copy"); L_COPY=$(load) C_COPY=$(cpu_delta "$c0" "$(cpu_snap)")
log "  $(f1 "$C_SECS") s"

CKPTS=$(grep -c 'checkpoint starting' "$WORK/postgres.log" || true)
TOO_FREQUENT=$(grep -c 'checkpoints are occurring too frequently' "$WORK/postgres.log" || true)

# ---------------------------------------------------------------- report
{
echo "mcledger projections benchmark: N=$N lines ($TOPO_LINES topology events), $(( BYTES / N )) bytes/line, seed $SEED"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM; $PGSETTINGS"
echo "binary: $BIN built $BUILT_AT (newest file under Sources/: $SOURCES_AT; md5 of the SQL resources: $SQL_MD5)"
echo
echo "| step | seconds | events/s | peak RSS (client) | load avg (1/5/15 min, at the end); machine CPU during the step | notes |"
echo "|---|---:|---:|---:|---|---|"
echo "| \`mcledger append\` $N lines | $(f1 "$A_SECS") | $(rate "$N" "$A_SECS") | $(mib "$A_RSS") MiB | $L_APPEND; $C_APPEND | user ${A_USER}s sys ${A_SYS}s; $A_SUMMARY |"
echo "| VACUUM ANALYZE mcledger.events (after the load) | $(f1 "$VAC_SECS") | | | | $SIZES |"
echo "| \`mcledger projections rebuild\` (readiness, counts) | $(f1 "$R_SECS") | $(rate "$N" "$R_SECS") | $(mib "$R_RSS") MiB | $L_REBUILD; $C_REBUILD | user ${R_USER}s sys ${R_SYS}s (mcledger process) |"
echo "| set-based SQL, DISTINCT ON + join to version 1 | $(f1 "$S_JOIN") | $(rate "$N" "$S_JOIN") | | $L_SQL; $C_SQL | rebuild ÷ SQL = $(f1 "$(echo "$R_SECS / $S_JOIN" | bc -l)")× |"
echo "| set-based SQL, DISTINCT ON only | $(f1 "$S_SIMPLE") | $(rate "$N" "$S_SIMPLE") | | $C_SIMPLE | rebuild ÷ SQL = $(f1 "$(echo "$R_SECS / $S_SIMPLE" | bc -l)")× |"
echo "| \`mcledger verify\` | $(f1 "$V_SECS") | $(rate "$N" "$V_SECS") | $(mib "$V_RSS") MiB | $L_VERIFY; $C_VERIFY | exit $V_RC: $V_OUT |"
echo "| \`mcledger history --format ndjson > /dev/null\` | $(f1 "$H_SECS") | $(rate "$N" "$H_SECS") | $(mib "$H_RSS") MiB | $L_HISTORY; $C_HISTORY | exit $H_RC |"
echo "| \`psql -c \"COPY (SELECT ... ORDER BY position) TO STDOUT\" > /dev/null\` | $(f1 "$C_SECS") | $(rate "$N" "$C_SECS") | $(mib "$C_RSS") MiB | $L_COPY; $C_COPY | |"
echo
echo "Counts check: $COMPARE"
echo "Checkpoints after the rebuild: $CHECKPOINTS; $SNAPSHOTS; $PROJ_SIZES"
echo
echo "Query latency (pgbench -t, one client, ms; head = $HEAD, mid = $MID, off-snapshot = $OFF and $PRE):"
echo
echo "| query | rows | executions | p50 ms | p99 ms | min ms | max ms | load avg; machine CPU |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
for q in "${ORDER[@]}"; do
    IFS='|' read -r n p50 p99 mn mx zeros ld <<< "${LAT[$q]}"
    echo "| \`$(head -n 1 "$WORK/q.$q.sql")\` | ${ROWS_OF[$q]} | $n$( (( zeros > 0 )) && echo " (+$zeros logged as 0 µs, dropped)" || true) | $p50 | $p99 | $mn | $mx | $ld |"
done
echo
echo "CLI, once each (wall time including process start, connect and catch-up):"
echo
echo "| command | seconds | peak RSS | result |"
echo "|---|---:|---:|---|"
for c in "${CLI_ORDER[@]}"; do
    echo "| \`mcledger ${CLI_CMD[$c]}\` | $(f2 "${CLI_SECS[$c]}") | $(mib "${CLI_RSS[$c]}") MiB | ${CLI_NOTE[$c]} |"
done
echo
echo "checkpoints during the run: $CKPTS (\"too frequently\" warnings: $TOO_FREQUENT)"
echo
echo "projections status:"
sed 's/^/    /' "$WORK/out.status"
echo
echo "rebuild: where the time goes"
summarise_samples "$WORK/samples.rebuild"
echo "rebuild progress: shadow checkpoint every 1 s (time, name, position), every 10th sample:"
grep '^ckpt ' "$WORK/samples.rebuild" | awk 'NR % 10 == 1' | sed 's/^ckpt /    /' || true
echo "rebuild progress (stderr):"
tail -n 12 "$WORK/stderr.rebuild" | sed 's/^/    /'
} >> "$REPORT"
cat "$REPORT"
if [[ -n ${RESULTS:-} ]]; then
    cp "$REPORT" "$RESULTS"
    d="${RESULTS%.*}.d"; mkdir -p "$d"
    cp "$WORK"/explain.* "$WORK"/out.status "$WORK"/stderr.rebuild "$WORK"/samples.rebuild "$WORK"/out.cli.* "$WORK"/expected.json "$WORK"/counts-head.json "$d"/ 2>/dev/null || true
    log "report in $RESULTS, plans and outputs in $d"
fi
[[ $COMPARE == MATCH* && $V_RC == 0 && $H_RC == 0 ]] || die "a check failed (see above)"
log "done"
