#!/bin/bash
# The read replica of docker-compose.yml (profile "replica"): on first start
# (empty volume) clone the primary with pg_basebackup -R -X stream, which
# writes standby.signal and primary_conninfo, then run PostgreSQL as a hot
# standby streaming from it. Later starts find the data and just run.
set -euo pipefail
: "${PRIMARY_HOST:?}" "${PGPASSWORD:?set PGPASSWORD (the replication password)}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    until gosu postgres pg_basebackup --host "$PRIMARY_HOST" --username mcledger_replication \
            --pgdata "$PGDATA" --write-recovery-conf --wal-method stream --slot mcledger_replica \
            --checkpoint fast --progress; do
        echo "standby: base backup from $PRIMARY_HOST failed; retrying in 5 s" >&2
        find "$PGDATA" -mindepth 1 -delete
        sleep 5
    done
fi
exec docker-entrypoint.sh postgres "$@"
