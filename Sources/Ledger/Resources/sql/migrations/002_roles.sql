-- 002: least-privilege roles (cluster-wide, created once) and their grants.
--
--  mcledger_read    may read events and projections, nothing else.
--  mcledger_append  may append through mcledger.append_events only (and read
--                   events, which the append path needs for idempotency and
--                   per-stream state).
--  mcledger_admin   read + append, and may rebuild projections.
-- None of them holds UPDATE, DELETE, TRUNCATE or INSERT on mcledger.events.

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['mcledger_read', 'mcledger_append', 'mcledger_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                -- another database of this cluster created it concurrently
                NULL;
            END;
        END IF;
    END LOOP;
END
$$;

REVOKE ALL ON SCHEMA mcledger FROM PUBLIC;
GRANT USAGE ON SCHEMA mcledger TO mcledger_read, mcledger_append, mcledger_admin;

REVOKE ALL ON mcledger.events FROM PUBLIC;
GRANT SELECT ON mcledger.events TO mcledger_read, mcledger_append, mcledger_admin;

GRANT mcledger_read TO mcledger_admin;
GRANT mcledger_append TO mcledger_admin;
