#!/bin/bash
# Runs once, when the primary's data volume is first initialised (the postgres
# image runs /docker-entrypoint-initdb.d/*.sh): lets a streaming standby
# (docker-compose.yml, profile "replica") take a base backup and stream.
#
# - a REPLICATION role (password from MCLEDGER_REPLICATION_PASSWORD);
# - a physical replication slot for the standby, created without reserving WAL:
#   it holds WAL only once a standby has used it, and at most
#   max_slot_wal_keep_size (set on the primary's command line) after that;
# - a pg_hba.conf line for replication connections from the network (the
#   image's own line, "host all all all", does not cover replication).
# An existing volume (initialised before this file was added) needs the same
# three steps once by hand.
set -euo pipefail
: "${MCLEDGER_REPLICATION_PASSWORD:?set MCLEDGER_REPLICATION_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v password="$MCLEDGER_REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE mcledger_replication WITH REPLICATION LOGIN PASSWORD :'password';
SELECT pg_create_physical_replication_slot('mcledger_replica');
SQL
echo "host replication mcledger_replication all scram-sha-256" >> "$PGDATA/pg_hba.conf"
