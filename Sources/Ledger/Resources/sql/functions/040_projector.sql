-- The projector: applies events to the projection tables, one checkpointed
-- transaction at a time, and rebuilds projections into shadow tables.
-- SECURITY DEFINER so that mcledger_admin (and the server) can run them
-- without owning the tables.

-- Positions between two snapshots of the counts.
CREATE OR REPLACE FUNCTION mcledger.count_snapshot_interval() RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT 50000::bigint $$;

-- Applies the events in (p_from, p_to] to projection p_name's tables, which
-- are named with p_suffix ('' for the live tables, '_rebuild' for the shadow).
-- Snapshots the counts whenever the range crosses a multiple of the interval.
CREATE OR REPLACE FUNCTION mcledger.apply_range(p_name text, p_suffix text, p_from bigint, p_to bigint) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
    staged boolean;
BEGIN
    -- Positions are gapless (append_events guarantees it); applying a range
    -- with a hole would silently lose an event, so refuse instead.
    SELECT count(*) INTO n FROM mcledger.events WHERE position > p_from AND position <= p_to;
    IF n <> p_to - p_from THEN
        RAISE EXCEPTION 'positions (%, %] hold % events, expected %: the ledger has a gap', p_from, p_to, n, p_to - p_from
            USING ERRCODE = 'MLGP1';
    END IF;
    IF p_name = 'counts' THEN
        -- Deltas of exactly this range computed beforehand by rebuild_stage on
        -- another connection (a rebuild's second core), or computed here.
        -- (The staging table exists only during a rebuild of counts; the
        -- statements naming it are planned only when they run.)
        staged := false;
        IF p_suffix = '_rebuild' AND to_regclass('mcledger.status_count_stage_rebuild') IS NOT NULL THEN
            staged := EXISTS (SELECT 1 FROM mcledger.status_count_stage_rebuild s WHERE s.from_position = p_from AND s.to_position = p_to);
        END IF;
        IF staged THEN
            INSERT INTO mcledger.status_counts_rebuild AS t (instance, queue, event_type, metric, n)
            SELECT s.instance, s.queue, s.event_type, s.metric, s.n FROM mcledger.status_count_stage_rebuild s
            WHERE s.from_position = p_from AND s.to_position = p_to AND s.metric IS NOT NULL
            ON CONFLICT (instance, queue, event_type, metric) DO UPDATE SET n = t.n + EXCLUDED.n;
            DELETE FROM mcledger.status_count_stage_rebuild s WHERE s.from_position = p_from AND s.to_position = p_to;
        ELSE
            EXECUTE format($q$
                INSERT INTO mcledger.%I AS t (instance, queue, event_type, metric, n)
                SELECT d.instance, d.queue, d.event_type, d.metric, d.n FROM mcledger.count_deltas($1, $2) d
                ON CONFLICT (instance, queue, event_type, metric) DO UPDATE SET n = t.n + EXCLUDED.n
                $q$, 'status_counts' || p_suffix) USING p_from, p_to;
        END IF;
        IF p_to / mcledger.count_snapshot_interval() > p_from / mcledger.count_snapshot_interval() THEN
            EXECUTE format($q$
                INSERT INTO mcledger.%I (position, instance, queue, event_type, metric, n)
                SELECT $1, instance, queue, event_type, metric, n FROM mcledger.%I WHERE n <> 0
                $q$, 'status_count_snapshots' || p_suffix, 'status_counts' || p_suffix) USING p_to;
        END IF;
    ELSIF p_name = 'readiness' THEN
        EXECUTE format($q$
            INSERT INTO mcledger.%I AS t (stream, category, first_data, last_type, last_data, version, position)
            SELECT * FROM mcledger.topology_changes($1, $2)
            ON CONFLICT (stream) DO UPDATE
                SET last_type = EXCLUDED.last_type, last_data = EXCLUDED.last_data,
                    version = EXCLUDED.version, position = EXCLUDED.position
            $q$, 'topology' || p_suffix) USING p_from, p_to;
    ELSE
        RAISE EXCEPTION 'unknown projection %', p_name USING ERRCODE = 'MLIN1';
    END IF;
END
$$;

-- Moves one checkpoint forward: locks the checkpoint row p_checkpoint (so
-- two projectors never apply the same events), applies up to p_max_events
-- events after it to projection p_name's tables (suffix p_suffix), and moves
-- it, all in the caller's transaction. Returns the new checkpoint.
CREATE OR REPLACE FUNCTION mcledger.advance(p_checkpoint text, p_name text, p_suffix text, p_max_events bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    checkpoint bigint;
    head bigint;
    target bigint;
BEGIN
    SELECT position INTO checkpoint FROM mcledger.projection_checkpoints WHERE name = p_checkpoint FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no checkpoint named % (unknown projection, or no rebuild in progress)', p_checkpoint
            USING ERRCODE = 'MLIN1';
    END IF;
    SELECT coalesce(max(position), 0) INTO head FROM mcledger.events;
    target := least(head, checkpoint + p_max_events);
    IF target > checkpoint THEN
        PERFORM mcledger.apply_range(p_name, p_suffix, checkpoint, target);
        UPDATE mcledger.projection_checkpoints SET position = target, updated_at = now() WHERE name = p_checkpoint;
    END IF;
    RETURN greatest(target, checkpoint);
END
$$;

-- One step of the live projector. Returns the new checkpoint.
CREATE OR REPLACE FUNCTION mcledger.project(p_name text, p_max_events bigint) RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT mcledger.advance(p_name, p_name, '', p_max_events) $$;

-- Starts (or resumes) a rebuild of p_name into its shadow tables; returns the
-- shadow checkpoint. A rebuild interrupted by a crash resumes from there.
CREATE OR REPLACE FUNCTION mcledger.rebuild_begin(p_name text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    shadow bigint;
    tables text[] := CASE p_name WHEN 'counts' THEN ARRAY['status_counts', 'status_count_snapshots']
                                 WHEN 'readiness' THEN ARRAY['topology'] END;
    t text;
BEGIN
    IF tables IS NULL THEN
        RAISE EXCEPTION 'unknown projection %', p_name USING ERRCODE = 'MLIN1';
    END IF;
    -- Staged count deltas (rebuild_stage): unlogged, as they can always be
    -- computed again; kept across a resumed rebuild, dropped by rebuild_finish.
    IF p_name = 'counts' THEN
        CREATE UNLOGGED TABLE IF NOT EXISTS mcledger.status_count_stage_rebuild (
            from_position bigint NOT NULL, to_position bigint NOT NULL,
            instance text, queue text, event_type text, metric text, n bigint NOT NULL);
        CREATE INDEX IF NOT EXISTS status_count_stage_rebuild_range ON mcledger.status_count_stage_rebuild (from_position, to_position);
    END IF;
    SELECT position INTO shadow FROM mcledger.projection_checkpoints WHERE name = p_name || ':rebuild' FOR UPDATE;
    IF FOUND THEN
        RETURN shadow;
    END IF;
    FOREACH t IN ARRAY tables LOOP
        EXECUTE format('DROP TABLE IF EXISTS mcledger.%I', t || '_rebuild');
        EXECUTE format('CREATE TABLE mcledger.%I (LIKE mcledger.%I INCLUDING ALL)', t || '_rebuild', t);
    END LOOP;
    INSERT INTO mcledger.projection_checkpoints (name, position) VALUES (p_name || ':rebuild', 0);
    RETURN 0;
END
$$;

-- One step of a rebuild: applies up to p_max_events events after the shadow
-- checkpoint to the shadow tables. Returns the new shadow checkpoint.
CREATE OR REPLACE FUNCTION mcledger.rebuild_step(p_name text, p_max_events bigint) RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT mcledger.advance(p_name || ':rebuild', p_name, '_rebuild', p_max_events) $$;

-- Computes the count deltas of (p_from, p_to] ahead of the rebuild step that
-- will apply them (apply_range uses them when its range is exactly this one),
-- so that a second connection computes one range while the rebuild applies
-- the previous: the rebuild uses both cores. The range must be complete (no
-- gap: every position in it committed), so the deltas are final. Returns the
-- number of delta rows staged.
CREATE OR REPLACE FUNCTION mcledger.rebuild_stage(p_name text, p_from bigint, p_to bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    IF p_name <> 'counts' THEN
        RAISE EXCEPTION 'only the counts projection stages its deltas, not %', p_name USING ERRCODE = 'MLIN1';
    END IF;
    PERFORM 1 FROM mcledger.projection_checkpoints WHERE name = 'counts:rebuild';
    IF NOT FOUND OR to_regclass('mcledger.status_count_stage_rebuild') IS NULL THEN
        RAISE EXCEPTION 'no rebuild of counts in progress' USING ERRCODE = 'MLIN1';
    END IF;
    SELECT count(*) INTO n FROM mcledger.events WHERE position > p_from AND position <= p_to;
    IF p_to <= p_from OR n <> p_to - p_from THEN
        RAISE EXCEPTION 'positions (%, %] hold % events, expected %: not a complete range of the ledger', p_from, p_to, n, p_to - p_from
            USING ERRCODE = 'MLIN1';
    END IF;
    DELETE FROM mcledger.status_count_stage_rebuild s WHERE s.from_position = p_from AND s.to_position = p_to;
    -- The marker row says "staged" even when the range changes no count.
    INSERT INTO mcledger.status_count_stage_rebuild (from_position, to_position, n) VALUES (p_from, p_to, 0);
    INSERT INTO mcledger.status_count_stage_rebuild (from_position, to_position, instance, queue, event_type, metric, n)
    SELECT p_from, p_to, d.instance, d.queue, d.event_type, d.metric, d.n FROM mcledger.count_deltas(p_from, p_to) d;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- Finishes a rebuild atomically: holds the live checkpoint (the live
-- projector waits), brings the shadow tables to the head, swaps them in,
-- and records the rebuild. Readers see the old tables until this commits.
CREATE OR REPLACE FUNCTION mcledger.rebuild_finish(p_name text, p_seconds double precision) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    shadow bigint;
    head bigint;
    tables text[] := CASE p_name WHEN 'counts' THEN ARRAY['status_counts', 'status_count_snapshots']
                                 WHEN 'readiness' THEN ARRAY['topology'] END;
    t text;
BEGIN
    PERFORM 1 FROM mcledger.projection_checkpoints WHERE name = p_name FOR UPDATE;
    SELECT position INTO shadow FROM mcledger.projection_checkpoints WHERE name = p_name || ':rebuild' FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no rebuild of % in progress', p_name USING ERRCODE = 'MLIN1';
    END IF;
    SELECT coalesce(max(position), 0) INTO head FROM mcledger.events;
    IF head > shadow THEN
        PERFORM mcledger.apply_range(p_name, '_rebuild', shadow, head);
    END IF;
    FOREACH t IN ARRAY tables LOOP
        EXECUTE format('DROP TABLE mcledger.%I CASCADE', t);
        EXECUTE format('ALTER TABLE mcledger.%I RENAME TO %I', t || '_rebuild', t);
        EXECUTE format('REVOKE ALL ON mcledger.%I FROM PUBLIC', t);
        EXECUTE format('GRANT SELECT ON mcledger.%I TO mcledger_read, mcledger_admin', t);
    END LOOP;
    IF p_name = 'counts' THEN
        DROP TABLE IF EXISTS mcledger.status_count_stage_rebuild;
    END IF;
    PERFORM mcledger.create_projection_views();
    UPDATE mcledger.projection_checkpoints
       SET position = greatest(head, shadow), updated_at = now(), rebuilt_at = now(),
           rebuild_seconds = p_seconds, rebuild_events = greatest(head, shadow)
     WHERE name = p_name;
    DELETE FROM mcledger.projection_checkpoints WHERE name = p_name || ':rebuild';
    RETURN greatest(head, shadow);
END
$$;

-- Views for auditors over the projection tables (recreated after a rebuild swap).
CREATE OR REPLACE FUNCTION mcledger.create_projection_views() RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- Each workflow with its current state.
    CREATE OR REPLACE VIEW mcledger.workflow_states AS
    SELECT t.first_data->>'instance' AS instance,
           t.first_data->>'workflow' AS workflow,
           CASE WHEN t.first_data->>'workflow' IN ('batchEventsProcessing', 'rtEventsProcessing') THEN t.first_data->>'workflow'
                WHEN t.first_data->>'workflow' IN ('updateEventStatus', 'updateEventsStatus') THEN 'updateEventStatus'
                WHEN t.first_data->>'workflow' LIKE 'mcSynch\_%' THEN 'archiving'
                ELSE t.first_data->>'kind' END AS kind,
           CASE t.last_type WHEN 'WorkflowCreated' THEN 'beingEdited' WHEN 'WorkflowStarted' THEN 'started'
                WHEN 'WorkflowPaused' THEN 'paused' WHEN 'WorkflowStopped' THEN 'finished'
                WHEN 'WorkflowFailed' THEN 'failed' END AS state,
           t.position AS since_position
    FROM mcledger.topology t WHERE t.category = 'workflow';

    -- Each execution-instance account, where it points and whether it is enabled.
    CREATE OR REPLACE VIEW mcledger.execution_accounts AS
    SELECT t.first_data->>'control' AS control, t.first_data->>'account' AS account,
           t.first_data->>'instance' AS instance, t.last_type <> 'ExecutionAccountDisabled' AS enabled,
           t.position AS since_position
    FROM mcledger.topology t WHERE t.category = 'account';

    -- Each registered instance and its role.
    CREATE OR REPLACE VIEW mcledger.instances AS
    SELECT t.first_data->>'instance' AS instance, t.first_data->>'role' AS role, t.position AS registered_at_position
    FROM mcledger.topology t WHERE t.category = 'instance';

    -- Current number of transactional events per status (all instances and queues).
    CREATE OR REPLACE VIEW mcledger.status_totals AS
    SELECT metric AS status, sum(n)::bigint AS n FROM mcledger.status_counts
    WHERE metric NOT IN ('retries', 'lateBounces') GROUP BY metric;

    -- The current status of every transactional event, straight from the
    -- ledger (reads every status change: meant for audits, not dashboards).
    CREATE OR REPLACE VIEW mcledger.event_statuses AS
    SELECT DISTINCT ON (e.stream) e.data->>'instance' AS instance, e.data->>'eventId' AS event_id,
           e.data->>'queue' AS queue, e.data->>'to' AS status, e.version AS changes, e.position AS since_position
    FROM mcledger.events e WHERE e.type = 'EventStatusChanged'
    ORDER BY e.stream, e.version DESC;

    GRANT SELECT ON mcledger.workflow_states, mcledger.execution_accounts, mcledger.instances,
                    mcledger.status_totals, mcledger.event_statuses TO mcledger_read, mcledger_admin;
END
$$;

SELECT mcledger.create_projection_views();

REVOKE ALL ON FUNCTION mcledger.apply_range(text, text, bigint, bigint), mcledger.advance(text, text, text, bigint), mcledger.project(text, bigint),
    mcledger.rebuild_begin(text), mcledger.rebuild_step(text, bigint), mcledger.rebuild_finish(text, double precision),
    mcledger.rebuild_stage(text, bigint, bigint), mcledger.create_projection_views() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mcledger.project(text, bigint), mcledger.rebuild_begin(text),
    mcledger.rebuild_step(text, bigint), mcledger.rebuild_finish(text, double precision),
    mcledger.rebuild_stage(text, bigint, bigint) TO mcledger_admin;
