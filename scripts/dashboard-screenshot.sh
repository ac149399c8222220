#!/usr/bin/env bash
# Takes docs/dashboard.png, the dashboard screenshot in the README:
# seeds the demo deployment (`mcledger demo`) into a throwaway embedded
# cluster, serves it with a read token, lets headless Chromium sign in from
# one URL and screenshot the page, then stops the server and the cluster it
# started and deletes the cluster.
#
# Environment: PORT (default 18150), EVENTS (demo size, default 20000),
# OUT (default docs/dashboard.png), WIDTH/HEIGHT (default 1280x2000),
# CHROMIUM (the browser; default: chromium on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

port=${PORT:-18150}
events=${EVENTS:-20000}
out=${OUT:-docs/dashboard.png}
width=${WIDTH:-1280}
height=${HEIGHT:-2000}
chromium=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$chromium" ] || { echo "dashboard-screenshot: chromium is not installed (apt-get install -y chromium)" >&2; exit 69; }

# Not created here: mcledger creates it (0700) and, as root, hands it to the postgres user.
home=$(mktemp -u /tmp/mcledger-shot.XXXXXX)
profile=$(mktemp -d /tmp/mcledger-shot-browser.XXXXXX)
token="read-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
server=""

stop_everything() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    if [ -f "$home/data/PG_VERSION" ]; then
        pg_bin=${MCLEDGER_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
        pg_ctl="$pg_bin/pg_ctl"
        if [ "$(id -u)" = 0 ]; then
            runuser -u postgres -- "$pg_ctl" -D "$home/data" -m fast -w stop >/dev/null 2>&1 || true
        else
            "$pg_ctl" -D "$home/data" -m fast -w stop >/dev/null 2>&1 || true
        fi
    fi
    rm -rf "$home" "$profile"
}
trap stop_everything EXIT

swift build --product mcledger >&2
bin="$(swift build --show-bin-path)/mcledger"

echo "dashboard-screenshot: seeding $events demo events into $home" >&2
MCLEDGER_HOME="$home" "$bin" demo --events "$events" >/dev/null

MCLEDGER_HOME="$home" MCLEDGER_TOKENS="read $token" "$bin" serve --host 127.0.0.1 --port "$port" --log-level warning &
server=$!

# Wait (at most 60 s) for the server to accept connections.
for _ in $(seq 1 120); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    kill -0 "$server" 2>/dev/null || { echo "dashboard-screenshot: the server exited" >&2; exit 69; }
    sleep 0.5
done

mkdir -p "$(dirname "$out")"
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --hide-scrollbars \
    --user-data-dir="$profile" --window-size="$width,$height" --screenshot="$out" \
    "http://127.0.0.1:$port/?token=$token" 2>/dev/null
echo "dashboard-screenshot: wrote $out ($(wc -c <"$out") bytes)" >&2
