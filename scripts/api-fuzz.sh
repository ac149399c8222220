#!/usr/bin/env bash
# Property-based fuzzing of the HTTP API against its own OpenAPI document.
#
# Starts a throwaway PostgreSQL cluster, migrates it, seeds a small legal
# ledger, runs `mcledger serve` on it, validates the served /openapi.json with
# openapi-spec-validator, then lets schemathesis generate requests (valid and
# invalid) for every operation and check every answer: no 5xx, status codes,
# content types, headers and bodies as documented, invalid input refused,
# valid input accepted, authentication enforced. Then it probes what the
# fuzzer does not generate (bodies at the size limits, the other scopes'
# tokens, inputs that once crashed the server) and checks that the server
# is still up and logged no error. Exits non-zero when anything fails, with
# a summary: operations tested, examples run, failures.
#
# Run after `swift build`, as root (CI) or as a user that may run initdb.
# Everything it creates lives under one /tmp/api-fuzz.* directory, removed on
# exit with the server and the cluster stopped.
#
# Environment (all optional):
#   MCLEDGER_BIN            the binary (default .build/debug/mcledger)
#   API_FUZZ_VENV           virtualenv for the Python tools (default .build-venv)
#   API_FUZZ_PORT           port to serve on (default: the first free of 18200-18299)
#   API_FUZZ_MAX_EXAMPLES   test cases per operation and phase (default 300)
#   API_FUZZ_SEED           schemathesis seed (default: random; printed)
#   API_FUZZ_KEEP=1         keep the work directory (logs, reports) after the run
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BIN=${MCLEDGER_BIN:-$ROOT/.build/debug/mcledger}
VENV=${API_FUZZ_VENV:-$ROOT/.build-venv}
MAX_EXAMPLES=${API_FUZZ_MAX_EXAMPLES:-300}
SEED=${API_FUZZ_SEED:-$RANDOM$RANDOM}
# Pinned so that a CI run is reproducible; bump deliberately.
PIP_PACKAGES=(schemathesis==4.32.5 openapi-spec-validator==0.9.0)

started_at=$(date +%s)
log() { printf 'api-fuzz: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ -x "$BIN" ] || die "no $BIN: run 'swift build' first"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin"

# PostgreSQL refuses to run as root: as root, the cluster runs as postgres.
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "no postgres user to run the cluster as"
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi

# --- Python tools -----------------------------------------------------------
if [ ! -x "$VENV/bin/schemathesis" ] || [ ! -x "$VENV/bin/openapi-spec-validator" ] \
    || ! "$VENV/bin/pip" freeze 2>/dev/null | grep -qxF "${PIP_PACKAGES[0]}"; then
    log "installing ${PIP_PACKAGES[*]} into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PIP_PACKAGES[@]}"
fi

# --- Work directory, cleanup ------------------------------------------------
WORK=$(mktemp -d /tmp/api-fuzz.XXXXXX)
chmod 755 "$WORK"
PGHOME=$WORK/pg
mkdir -p "$PGHOME"
[ "$(id -u)" = 0 ] && chown postgres "$PGHOME"
SERVER_PID=
cleanup() {
    local status=$?
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    if [ -f "$PGHOME/data/postmaster.pid" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$PGHOME/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [ "${API_FUZZ_KEEP:-0}" = 1 ] || [ $status -ne 0 ]; then
        log "work directory kept: $WORK"
    else
        rm -rf "$WORK"
    fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- Throwaway cluster (Unix socket only) -----------------------------------
log "creating a throwaway cluster in $PGHOME"
as_pg "$PGBIN/initdb" -D "$PGHOME/data" -U postgres --auth=trust --encoding=UTF8 --locale=C --no-sync >"$WORK/initdb.log" 2>&1 \
    || { cat "$WORK/initdb.log" >&2; die "initdb failed"; }
as_pg "$PGBIN/pg_ctl" -D "$PGHOME/data" -l "$PGHOME/postgres.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$PGHOME' -c fsync=off -c full_page_writes=off" start >/dev/null \
    || { tail -20 "$PGHOME/postgres.log" >&2; die "the cluster did not start"; }
as_pg "$PGBIN/createdb" -h "$PGHOME" -U postgres mcledger
DATABASE_URL="host=$PGHOME user=postgres dbname=mcledger"

"$BIN" migrate --database-url "$DATABASE_URL" >/dev/null

# --- A small legal ledger, so that reads have data ---------------------------
cat >"$WORK/seed.ndjson" <<'EOF'
{"type":"InstanceRegistered","data":{"instance":"ctrl-01","role":"control"}}
{"type":"InstanceRegistered","data":{"instance":"exec-01","role":"execution"}}
{"type":"InstanceRegistered","data":{"instance":"mini-01","role":"minimal"}}
{"type":"ExecutionAccountRegistered","data":{"control":"ctrl-01","account":"exec01","instance":"exec-01"}}
{"type":"WorkflowCreated","data":{"instance":"exec-01","workflow":"batchEventsProcessing"}}
{"type":"WorkflowStarted","data":{"instance":"exec-01","workflow":"batchEventsProcessing"}}
{"type":"WorkflowCreated","data":{"instance":"exec-01","workflow":"rtEventsProcessing"}}
{"type":"WorkflowStarted","data":{"instance":"exec-01","workflow":"rtEventsProcessing"}}
{"type":"WorkflowCreated","data":{"instance":"exec-01","workflow":"updateEventStatus"}}
{"type":"WorkflowStarted","data":{"instance":"exec-01","workflow":"updateEventStatus"}}
{"type":"WorkflowCreated","data":{"instance":"ctrl-01","workflow":"mcSynch_exec01","label":"Message Center exec01"}}
{"type":"WorkflowStarted","data":{"instance":"ctrl-01","workflow":"mcSynch_exec01"}}
{"type":"WorkflowCreated","data":{"instance":"mini-01","workflow":"rtEventsProcessing"}}
{"type":"WorkflowStarted","data":{"instance":"mini-01","workflow":"rtEventsProcessing"}}
{"type":"WorkflowFailed","data":{"instance":"mini-01","workflow":"rtEventsProcessing","error":"connection reset"}}
{"type":"EventStatusChanged","data":{"instance":"exec-01","eventId":"evt-1","queue":"realtime","to":"pending","eventType":"ORDER_CONFIRMATION","channel":"email"}}
{"type":"EventStatusChanged","data":{"instance":"exec-01","eventId":"evt-1","queue":"realtime","to":"pendingDelivery"}}
{"type":"EventStatusChanged","data":{"instance":"exec-01","eventId":"evt-1","queue":"realtime","to":"sent"}}
{"type":"EventStatusChanged","data":{"instance":"exec-01","eventId":"evt-2","queue":"batch","to":"pending","eventType":"PASSWORD_RESET","channel":"sms"}}
{"type":"EventStatusChanged","data":{"instance":"exec-01","eventId":"evt-2","queue":"batch","to":"notTakenIntoAccount","reason":"no published template"}}
EOF
"$BIN" append --database-url "$DATABASE_URL" "$WORK/seed.ndjson" >/dev/null
printf '%s\n' '{"type":"DeploymentNoted","stream":"ops-deployments","data":{"by":"ops@example"}}' \
    | "$BIN" append --database-url "$DATABASE_URL" --raw - >/dev/null
SEED_HEAD=$(( $(wc -l <"$WORK/seed.ndjson") + 1 ))
log "seeded $SEED_HEAD events"

# --- The server ---------------------------------------------------------------
port_is_free() { python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null; }
PORT=${API_FUZZ_PORT:-}
if [ -z "$PORT" ]; then
    for candidate in $(seq 18200 18299); do
        if port_is_free "$candidate"; then PORT=$candidate; break; fi
    done
    [ -n "$PORT" ] || die "no free port in 18200-18299 (set API_FUZZ_PORT)"
fi
token() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
ADMIN_TOKEN=$(token)
READ_TOKEN=$(token)
APPEND_TOKEN=$(token)
MCLEDGER_TOKENS="admin $ADMIN_TOKEN,read $READ_TOKEN,append $APPEND_TOKEN" \
    "$BIN" serve --database-url "$DATABASE_URL" --host 127.0.0.1 --port "$PORT" --log-level warning \
    >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
BASE=http://127.0.0.1:$PORT
for _ in $(seq 300); do
    curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; die "mcledger serve exited"; }
    sleep 0.1
done
curl -fsS "$BASE/healthz" >/dev/null || { cat "$WORK/serve.log" >&2; die "mcledger serve did not answer /healthz"; }
log "mcledger serve is up at $BASE"

# --- The document ----------------------------------------------------------------
curl -fsS "$BASE/openapi.json" -o "$WORK/openapi.json"
"$VENV/bin/openapi-spec-validator" "$WORK/openapi.json" || die "the served /openapi.json is not a valid OpenAPI document"

# --- The fuzzer --------------------------------------------------------------------
# Checks: all of them (ensure_resource_availability follows the inferred
# link from an append to GET /v1/streams/{stream}), except
# object_level_authorization: the ledger has scopes, not per-object owners;
# every reader may read every event, which that check would call a leak.
log "schemathesis: up to $MAX_EXAMPLES examples per operation and phase, seed $SEED"
set +e
PYTHONPATH="$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=api_fuzz_hooks \
API_FUZZ_SEED_HEAD=$SEED_HEAD \
"$VENV/bin/schemathesis" --config-file "$ROOT/scripts/api-fuzz.toml" run "$BASE/openapi.json" \
    --checks all \
    --exclude-checks object_level_authorization \
    --header "Authorization: Bearer $ADMIN_TOKEN" \
    --max-examples "$MAX_EXAMPLES" \
    --seed "$SEED" \
    --workers 2 \
    --request-timeout 30 \
    --generation-database none \
    --no-color \
    --report junit,ndjson --report-dir "$WORK/report" \
    2>&1 | tee "$WORK/schemathesis.log"
fuzz_status=${PIPESTATUS[0]}
set -e

# --- Limit and edge probes ---------------------------------------------------------
# What schemathesis does not generate: bodies at the size limits, other
# scopes, and inputs that once crashed the server. Each must get its
# documented status and error code.
probe_failures=0
probes=0
probe() {
    local name=$1 want_status=$2 want_code=$3
    shift 3
    local status code
    probes=$((probes + 1))
    status=$(curl -sS -o "$WORK/probe.out" -w '%{http_code}' "$@" 2>>"$WORK/probe.err") || status=000
    code=$("$VENV/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["code"])' "$WORK/probe.out" 2>/dev/null || true)
    if [ "$status" = "$want_status" ] && { [ -z "$want_code" ] || [ "$code" = "$want_code" ]; }; then
        printf 'api-fuzz: probe ok    %-44s %s %s\n' "$name" "$status" "$code" >&2
    else
        printf 'api-fuzz: probe FAIL  %-44s got %s %s, want %s %s\n' "$name" "$status" "$code" "$want_status" "$want_code" >&2
        head -c 300 "$WORK/probe.out" >&2; echo >&2
        probe_failures=$((probe_failures + 1))
    fi
}
"$VENV/bin/python" - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
event = lambda i: json.dumps({"type": "EventStatusChanged", "data": {"instance": "probe-01", "eventId": f"p{i}", "queue": "batch", "to": "pending"}})
with open(f"{work}/too-many.json", "w") as f:
    f.write("[" + ",".join(event(i) for i in range(2001)) + "]")
with open(f"{work}/too-many.ndjson", "w") as f:
    f.write("\n".join(event(i) for i in range(2001)) + "\n")
with open(f"{work}/long-line.ndjson", "w") as f:
    f.write(json.dumps({"type": "InstanceRegistered", "data": {"instance": "probe-02", "role": "execution", "pad": "a" * (1 << 20)}}) + "\n")
with open(f"{work}/deep.json", "w") as f:
    f.write("[" * 65 + "]" * 65)
with open(f"{work}/too-big.json", "wb") as f:
    f.write(b" " * (16 * 1024 * 1024 + 1))
PY
admin=(-H "Authorization: Bearer $ADMIN_TOKEN")
json=(-H "Content-Type: application/json")
ndjson=(-H "Content-Type: application/x-ndjson")
probe "body over 16 MiB"                413 bodyTooLarge  "${admin[@]}" "${json[@]}" --data-binary @"$WORK/too-big.json" "$BASE/v1/events"
probe "2001 events in an array"         413 tooManyEvents "${admin[@]}" "${json[@]}" --data-binary @"$WORK/too-many.json" "$BASE/v1/events"
probe "2001 events of NDJSON"           413 tooManyEvents "${admin[@]}" "${ndjson[@]}" --data-binary @"$WORK/too-many.ndjson" "$BASE/v1/events"
probe "NDJSON line over 1 MiB"          400 invalidInput  "${admin[@]}" "${ndjson[@]}" --data-binary @"$WORK/long-line.ndjson" "$BASE/v1/events"
probe "JSON nested 65 deep"             400 invalidInput  "${admin[@]}" "${json[@]}" --data-binary @"$WORK/deep.json" "$BASE/v1/events"
probe "empty Content-Type"              415 unsupportedMediaType "${admin[@]}" -H "Content-Type;" --data-binary '{}' "$BASE/v1/events"
probe "Content-Type ';'"                415 unsupportedMediaType "${admin[@]}" -H "Content-Type: ;" --data-binary '{}' "$BASE/v1/events"
probe "asOf before the first event"     200 ""            "${admin[@]}" "$BASE/v1/readiness?asOf=2000-01-01T00:00:00Z"
probe "asOf in year 0"                  200 ""            "${admin[@]}" "$BASE/v1/counts?asOf=0000-01-01T00:00:00Z"
probe "position beyond the head"        400 invalidInput  "${admin[@]}" "$BASE/v1/counts?position=999999"
probe "no token"                        401 unauthorized  "$BASE/v1/events"
probe "unknown token"                   401 unauthorized  -H "Authorization: Bearer not-a-known-token-at-all" "$BASE/v1/events"
probe "unknown cookie token"            401 unauthorized  -H "Cookie: mcledger_token=not-a-known-token" "$BASE/v1/events"
probe "read token appends"              403 forbidden     -H "Authorization: Bearer $READ_TOKEN" "${json[@]}" --data-binary '{}' "$BASE/v1/events"
probe "append token reads"              403 forbidden     -H "Authorization: Bearer $APPEND_TOKEN" "$BASE/v1/events"
probe "read token verifies"             403 forbidden     -H "Authorization: Bearer $READ_TOKEN" "$BASE/v1/verify"
probe "read token as cookie"            200 ""            -H "Cookie: mcledger_token=$READ_TOKEN" "$BASE/v1/readiness"
probe "append token appends"            201 ""            -H "Authorization: Bearer $APPEND_TOKEN" "${json[@]}" --data-binary "$(printf '{"type":"InstanceRegistered","data":{"instance":"probe-03","role":"minimal"},"eventId":"%s"}' 0190c2a4-6f1c-7a3e-9b1d-000000000001)" "$BASE/v1/events"
probe "the same append again"           200 ""            -H "Authorization: Bearer $APPEND_TOKEN" "${json[@]}" --data-binary "$(printf '{"type":"InstanceRegistered","data":{"instance":"probe-03","role":"minimal"},"eventId":"%s"}' 0190c2a4-6f1c-7a3e-9b1d-000000000001)" "$BASE/v1/events"
probe "TRACE on a known path"           405 methodNotAllowed -X TRACE "$BASE/v1/events"
probe "unknown path"                    404 notFound      "${admin[@]}" "$BASE/v1/nothing"

# The server must have survived every input, and logged no error.
server_status=0
if ! kill -0 "$SERVER_PID" 2>/dev/null || ! curl -fsS "$BASE/healthz" >/dev/null 2>&1; then
    log "mcledger serve died or stopped answering during the run; its log:"
    tail -50 "$WORK/serve.log" >&2
    server_status=1
elif grep -E '^[0-9T:+-]+ (error|critical) ' "$WORK/serve.log" >/dev/null; then
    log "mcledger serve logged errors:"
    grep -E '^[0-9T:+-]+ (error|critical) ' "$WORK/serve.log" | tail -20 >&2
    server_status=1
fi

# --- Summary ----------------------------------------------------------------------
"$VENV/bin/python" - "$WORK/report" "$fuzz_status" "$probes" "$probe_failures" "$(( $(date +%s) - started_at ))" <<'PY'
import json, pathlib, sys, xml.etree.ElementTree as ET
report, status, probes, probe_failures, seconds = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
operations, failing = [], []
for junit in report.glob("*.xml"):
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = case.get("name", "")
        if name != "Stateful tests":
            operations.append(name)
        if case.find("failure") is not None or case.find("error") is not None:
            failing.append(name)
cases = 0
for events in report.glob("*.ndjson"):
    for line in events.open():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if finished:
            cases += len(finished.get("recorder", {}).get("cases", {}))
print(f"api-fuzz summary: {len(operations)} operations tested, {cases} examples run, "
      f"{len(failing)} failing ({', '.join(failing) or 'none'}), {probe_failures}/{probes} probes failed, "
      f"{seconds} s, schemathesis exit {status}")
PY
[ "$fuzz_status" -eq 0 ] || die "schemathesis found problems (see above; API_FUZZ_SEED=$SEED reproduces the run)"
[ "$probe_failures" -eq 0 ] || die "$probe_failures limit or edge probes failed"
[ "$server_status" -eq 0 ] || die "the server did not survive the run cleanly"
log "passed"
