-- 003: projection tables, checkpoints, snapshots.
--
-- A projection's tables and its checkpoint (the last position applied) change
-- in the same transaction (mcledger.project), so a crash never applies an
-- event twice or skips one. Rebuilds write to *_rebuild shadow tables and
-- swap them in atomically (mcledger.rebuild_finish).

CREATE TABLE mcledger.projection_checkpoints (
    name            text PRIMARY KEY,
    position        bigint NOT NULL DEFAULT 0 CHECK (position >= 0),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    rebuilt_at      timestamptz,
    rebuild_seconds double precision,
    rebuild_events  bigint
);
INSERT INTO mcledger.projection_checkpoints (name) VALUES ('readiness'), ('counts');

-- readiness: one row per instance-, account- and workflow- stream: the data of
-- its first event (what was registered or created) and its last event (its state).
CREATE TABLE mcledger.topology (
    stream     text COLLATE "C" PRIMARY KEY,
    category   text NOT NULL,
    first_data jsonb NOT NULL,
    last_type  text NOT NULL,
    last_data  jsonb NOT NULL,
    version    int NOT NULL,
    position   bigint NOT NULL
);

-- counts: number of transactional events per (instance, queue, event type) in
-- each status (metric = a wire status), plus the transitions counted on the
-- way (metric = 'retries': into pending from pending or pendingDelivery;
-- 'lateBounces': sent -> deliveryFailed). event_type is '' when the event's
-- first status change named none.
CREATE TABLE mcledger.status_counts (
    instance   text NOT NULL,
    queue      text NOT NULL,
    event_type text NOT NULL,
    metric     text NOT NULL,
    n          bigint NOT NULL,
    PRIMARY KEY (instance, queue, event_type, metric)
);

-- Copies of status_counts at some positions, for fast "as of" answers.
CREATE TABLE mcledger.status_count_snapshots (
    position   bigint NOT NULL,
    instance   text NOT NULL,
    queue      text NOT NULL,
    event_type text NOT NULL,
    metric     text NOT NULL,
    n          bigint NOT NULL,
    PRIMARY KEY (position, instance, queue, event_type, metric)
);

REVOKE ALL ON mcledger.projection_checkpoints, mcledger.topology, mcledger.status_counts, mcledger.status_count_snapshots FROM PUBLIC;
GRANT SELECT ON mcledger.projection_checkpoints, mcledger.topology, mcledger.status_counts, mcledger.status_count_snapshots
    TO mcledger_read, mcledger_admin;
