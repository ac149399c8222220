-- The hash chain, defined once in SQL (mcledger's Swift verifier recomputes it
-- independently; docs/ledger-format.md states it for auditors' own tools).
--
-- hash(n) = SHA-256(hash(n-1) || canonical_bytes(n)), hash(0) = 32 zero bytes,
-- canonical_bytes = UTF-8 of the eight fields joined by '\n' (no trailing '\n'):
--   position, stream, version, event_id, type, data::text, metadata::text,
--   to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')

-- The canonical text of recorded_at (microseconds, UTC, 'Z').
-- STABLE, as to_char is: an IMMUTABLE sql function whose body is not is
-- never inlined, and was then parsed and planned again at every call from
-- plpgsql (append_events: ~40 us of every append, measured with
-- track_functions; a plain query caches it per execution and hid this).
CREATE OR REPLACE FUNCTION mcledger.canonical_time(p_at timestamptz) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$ SELECT to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

-- The canonical text of the six fields between position and recorded_at
-- (stream, version, event_id, type, data, metadata): they depend on the
-- event alone, so append_events renders them before it takes the append
-- lock, and under the lock adds only position, recorded_at and the hash.
CREATE OR REPLACE FUNCTION mcledger.canonical_middle(
    p_stream text, p_version int, p_event_id uuid, p_type text, p_data jsonb, p_metadata jsonb
) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT p_stream || E'\n' || p_version::text || E'\n' || p_event_id::text || E'\n' ||
           p_type || E'\n' || p_data::text || E'\n' || p_metadata::text
$$;

-- The canonical bytes of one event from its position, its canonical middle
-- and recorded_at already in canonical text form (append_events formats it
-- once per batch). Plain SQL, so the planner inlines it into the caller.
CREATE OR REPLACE FUNCTION mcledger.canonical_bytes(p_position bigint, p_middle text, p_recorded_at text)
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT convert_to(p_position::text || E'\n' || p_middle || E'\n' || p_recorded_at, 'UTF8') $$;

-- The canonical bytes of one event, given recorded_at already in its
-- canonical text form.
CREATE OR REPLACE FUNCTION mcledger.canonical_bytes(
    p_position bigint, p_stream text, p_version int, p_event_id uuid,
    p_type text, p_data jsonb, p_metadata jsonb, p_recorded_at text
) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT mcledger.canonical_bytes(
        p_position, mcledger.canonical_middle(p_stream, p_version, p_event_id, p_type, p_data, p_metadata),
        p_recorded_at)
$$;

-- The canonical bytes of one stored event (for auditors' queries).
CREATE OR REPLACE FUNCTION mcledger.canonical_bytes(
    p_position bigint, p_stream text, p_version int, p_event_id uuid,
    p_type text, p_data jsonb, p_metadata jsonb, p_recorded_at timestamptz
) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT mcledger.canonical_bytes(p_position, p_stream, p_version, p_event_id, p_type, p_data, p_metadata,
                                    mcledger.canonical_time(p_recorded_at))
$$;

-- One step of the chain: the previous hash (the aggregate's state, or the
-- given starting hash on the first row) extended by one event's bytes.
-- plpgsql, not sql: an aggregate's transition function is never inlined, and
-- a sql one starts an executor per row (~2 us, 8% of an append's backend
-- CPU), where plpgsql evaluates the expression directly.
-- A sql function of this signature existed before; CREATE OR REPLACE may
-- change the language, and the aggregate keeps pointing at it.
CREATE OR REPLACE FUNCTION mcledger.chain_step(p_state bytea, p_start bytea, p_canonical bytea) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$ BEGIN RETURN sha256(coalesce(p_state, p_start) || p_canonical); END $$;

-- hash_chain(start, canonical) OVER (ORDER BY position) yields each row's hash.
CREATE OR REPLACE AGGREGATE mcledger.hash_chain(bytea, bytea) (
    SFUNC = mcledger.chain_step,
    STYPE = bytea
);

-- The hash that precedes position 1.
CREATE OR REPLACE FUNCTION mcledger.genesis_hash() RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea $$;
