# A throwaway PostgreSQL 15 cluster for the benchmark scripts (sourced, not run).
#
#   source "$ROOT/scripts/lib/cluster.sh"
#   cluster_init NAME ["more postgres -c settings"]
#       -> WORK (a new /tmp/NAME.XXXXXX), PGDATA, PSQL=(psql ... -h $WORK -U postgres);
#          the cluster is started on a Unix socket in WORK only, with PostgreSQL's
#          defaults otherwise (fsync on, synchronous_commit on); on exit it is
#          stopped and WORK removed (KEEP=1 keeps WORK).
#   cluster_on_exit() { ...; }   # optional: runs first on exit (stop samplers, servers)
#
# initdb and pg_ctl run as the postgres user when the script runs as root.
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

cluster_cleanup() {
    local rc=$?
    if declare -F cluster_on_exit >/dev/null; then cluster_on_exit || true; fi
    if [[ -f $PGDATA/postmaster.pid ]]; then
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
    if [[ ${KEEP:-0} == 1 ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
    exit $rc
}

cluster_init() {
    local name=$1 settings=${2:-}
    [[ -x $PGBIN/initdb ]] || { echo "PostgreSQL 15 binaries not found in $PGBIN" >&2; exit 1; }
    WORK=$(mktemp -d "/tmp/$name.XXXXXX")
    PGDATA=$WORK/pgdata
    trap cluster_cleanup EXIT
    trap 'exit 130' INT TERM
    if [[ $(id -u) == 0 ]]; then chown postgres: "$WORK"; fi
    chmod 755 "$WORK"
    as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$WORK/postgres.log" -w \
        -o "-c listen_addresses='' -k $WORK $settings" start >/dev/null
    PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h "$WORK" -U postgres)
}
