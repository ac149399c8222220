-- 001: the event table, its guarantees, and the roles that may touch it.
--
-- Guarantees established here:
--  * mcledger.events has exactly the columns of SPEC section 3.
--  * position is the primary key; (stream, version) and event_id are unique.
--  * UPDATE, DELETE and TRUNCATE are refused by triggers for every role,
--    owner and superusers included; the triggers are ENABLE ALWAYS so that
--    session_replication_role = replica does not bypass them. Only
--    ALTER TABLE ... DISABLE TRIGGER (owner or superuser) gets around them,
--    and `mcledger verify` detects what is changed that way.
--  * Nobody but the owner holds INSERT; services append through
--    mcledger.append_events (SECURITY DEFINER), the ledger's only write path.

CREATE SCHEMA IF NOT EXISTS mcledger;

CREATE TABLE mcledger.events (
    position    bigint      NOT NULL,
    stream      text        COLLATE "C" NOT NULL,
    version     int         NOT NULL,
    event_id    uuid        NOT NULL,
    type        text        COLLATE "C" NOT NULL,
    data        jsonb       NOT NULL,
    metadata    jsonb       NOT NULL DEFAULT '{}'::jsonb,
    recorded_at timestamptz NOT NULL,
    hash        bytea       NOT NULL,
    CONSTRAINT events_pkey PRIMARY KEY (position),
    CONSTRAINT events_event_id_key UNIQUE (event_id),
    CONSTRAINT events_stream_version_key UNIQUE (stream, version),
    CONSTRAINT events_position_positive CHECK (position > 0),
    CONSTRAINT events_version_positive CHECK (version > 0),
    CONSTRAINT events_stream_has_category CHECK (position('-' IN stream) > 1),
    CONSTRAINT events_hash_is_sha256 CHECK (octet_length(hash) = 32),
    CONSTRAINT events_data_is_object CHECK (jsonb_typeof(data) = 'object'),
    CONSTRAINT events_metadata_is_object CHECK (jsonb_typeof(metadata) = 'object')
);

COMMENT ON TABLE mcledger.events IS
  'The ledger: append-only, gapless positions, per-stream versions, SHA-256 hash chain. See docs/ledger-format.md.';

-- recorded_at never decreases with position (append_events guarantees it), so
-- "as of TIME" maps to a position with one index probe. Dropped again by
-- 004: a binary search over the primary key does the same without costing
-- every append an index insert (applied migrations are not re-run, so the
-- statement stays as it was deployed).
CREATE INDEX events_recorded_at_idx ON mcledger.events (recorded_at, position);

-- Refuses any change to recorded events.
CREATE FUNCTION mcledger.refuse_event_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'mcledger.events is append-only: % is refused', TG_OP
        USING ERRCODE = 'MLRO1',
              HINT = 'the ledger never changes recorded events; append a compensating event instead';
END
$$;

CREATE TRIGGER events_refuse_update_delete
    BEFORE UPDATE OR DELETE ON mcledger.events
    FOR EACH STATEMENT EXECUTE FUNCTION mcledger.refuse_event_change();
CREATE TRIGGER events_refuse_truncate
    BEFORE TRUNCATE ON mcledger.events
    FOR EACH STATEMENT EXECUTE FUNCTION mcledger.refuse_event_change();
ALTER TABLE mcledger.events ENABLE ALWAYS TRIGGER events_refuse_update_delete;
ALTER TABLE mcledger.events ENABLE ALWAYS TRIGGER events_refuse_truncate;
