-- Where an append's time goes inside the database, per event, next to the
-- bare INSERT of the same rows: what the bulk-append row of `mcledger bench`
-- cannot show on its own (issue 5: bulk append vs COPY).
--
--   .build/release/mcledger bench --workloads append --events 200000 --keep
--   runuser -u postgres -- pg_ctl -D /tmp/mcledger-bench-PID/data -l /tmp/mcledger-bench-PID/pg.log -w \
--       -o "-c listen_addresses= -c unix_socket_directories=/tmp/mcledger-bench-PID" start
--   psql -h /tmp/mcledger-bench-PID -U postgres -d mcledger -At -v batch=2000 -v runs=20 -f scripts/append-cost.sql
--
-- Run it as the owner (a superuser) on a throwaway ledger only: every batch
-- is rolled back, but rolled-back inserts leave dead rows in mcledger.events
-- until VACUUM. Each batch is the ledger's newest :batch events under new
-- stream names and event ids (every stream new, so append_events probes no
-- stated head), timed inside the server, parameters already parsed:
--   append_events   the ledger's write path, whole (lock, checks, versions, chain, INSERT, NOTIFY)
--   copy            the same rows by COPY FROM a file in the data directory (what psql's COPY
--                   costs the server, minus the client and the socket)
--   insert          the same rows by the same INSERT ... SELECT unnest(...) into mcledger.events,
--                   hashes given (no chain, no checks): what the INSERT alone costs
--   chain           only the chain: sha256(previous || canonical bytes) per event
--   sha256          only sha256 over (32 bytes || 32 bytes) per event
--   data::text      only jsonb -> text of data per event (the chain's canonical form)
-- Then per batch: append_events - insert = what the ledger adds to a bare INSERT.

\set ON_ERROR_STOP on
\if :{?batch}
\else
\set batch 2000
\endif
\if :{?runs}
\else
\set runs 20
\endif

CREATE TEMP TABLE cost_rows (LIKE mcledger.events);

CREATE FUNCTION pg_temp.append_cost(variant text, batch int, runs int) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
    base_streams text[]; streams text[]; ids uuid[]; types text[]; data jsonb[]; metadata jsonb[]; bases int[]; hashes bytea[];
    n int;
    started timestamptz;
    total interval := '0';
    at_text text := mcledger.canonical_time(now());
    chain bytea;
    texts text[];
    copy_file text := current_setting('data_directory') || '/append-cost.copy';
BEGIN
    SELECT array_agg('cost' || e.stream ORDER BY e.position), array_agg(e.type ORDER BY e.position),
           array_agg(e.data ORDER BY e.position), array_agg(e.metadata ORDER BY e.position),
           array_agg(0), array_agg(e.hash ORDER BY e.position)
      INTO base_streams, types, data, metadata, bases, hashes
      FROM (SELECT * FROM mcledger.events ORDER BY position DESC LIMIT batch) e;
    n := coalesce(cardinality(base_streams), 0);
    IF n = 0 THEN
        RAISE EXCEPTION 'append-cost: the ledger is empty; append some events first';
    END IF;
    FOR run IN 1..runs LOOP
        SELECT array_agg(gen_random_uuid()) INTO ids FROM generate_series(1, n);
        SELECT array_agg(s || '.' || run) INTO streams FROM unnest(base_streams) s;
        IF variant = 'copy' THEN
            -- The rows the insert variant inserts, as COPY text in the data directory (not timed).
            TRUNCATE cost_rows;
            INSERT INTO cost_rows (position, stream, version, event_id, type, data, metadata, recorded_at, hash)
            SELECT p.head + generate_series(1, n), unnest(streams), generate_series(1, n), unnest(ids), unnest(types), unnest(data),
                   unnest(metadata), now(), unnest(hashes)
            FROM (SELECT coalesce(max(position), 0) AS head FROM mcledger.events) p;
            EXECUTE format('COPY cost_rows TO %L', copy_file);
        END IF;
        BEGIN
            started := clock_timestamp();
            CASE variant
            WHEN 'copy' THEN
                EXECUTE format('COPY mcledger.events FROM %L', copy_file);
            WHEN 'append_events' THEN
                PERFORM * FROM mcledger.append_events(streams, ids, types, data, metadata, bases);
            WHEN 'insert' THEN
                INSERT INTO mcledger.events (position, stream, version, event_id, type, data, metadata, recorded_at, hash)
                SELECT p.head + generate_series(1, n), unnest(streams), generate_series(1, n), unnest(ids), unnest(types), unnest(data),
                       unnest(metadata), now(), unnest(hashes)
                FROM (SELECT coalesce(max(position), 0) AS head FROM mcledger.events) p;
            WHEN 'chain' THEN
                chain := mcledger.genesis_hash();
                FOR i IN 1..n LOOP
                    chain := sha256(chain || mcledger.canonical_bytes(i::bigint, streams[i], i, ids[i], types[i], data[i],
                                                                      coalesce(metadata[i], '{}'::jsonb), at_text));
                    hashes[i] := chain;
                END LOOP;
            WHEN 'sha256' THEN
                chain := mcledger.genesis_hash();
                FOR i IN 1..n LOOP
                    chain := sha256(chain || hashes[i]);
                END LOOP;
            WHEN 'data::text' THEN
                texts := '{}';
                FOR i IN 1..n LOOP
                    texts[i] := data[i]::text;
                END LOOP;
            ELSE
                RAISE EXCEPTION 'append-cost: unknown variant %', variant;
            END CASE;
            total := total + (clock_timestamp() - started);
            RAISE EXCEPTION USING ERRCODE = 'MLBEN', MESSAGE = 'roll the batch back';
        EXCEPTION WHEN SQLSTATE 'MLBEN' THEN
            NULL; -- the batch is rolled back on purpose; any other error propagates
        END;
    END LOOP;
    RETURN round((extract(epoch FROM total) * 1e6 / (runs * n))::numeric, 2);
END
$$;

SELECT format('%s events per batch, %s batches per variant, alternated twice; microseconds per event:', :batch, :runs);
WITH rounds AS (
    SELECT r, v, pg_temp.append_cost(v, :batch, :runs) AS us
    FROM generate_series(1, 2) r,
         unnest(ARRAY['append_events', 'insert', 'copy', 'chain', 'sha256', 'data::text']) WITH ORDINALITY AS t(v, o)
    ORDER BY r, o
)
SELECT format('%-14s %s', v, string_agg(us::text, ' / ' ORDER BY r)) FROM rounds GROUP BY v ORDER BY min(us) DESC;
