-- Positions by time: where "as of TIME" and history's --since/--until cut the
-- ledger.
--
-- recorded_at never decreases as position grows (append_events guarantees it;
-- `mcledger verify` reports a "time" problem otherwise), so the events
-- recorded at or before a time are a prefix of the ledger and a binary search
-- over the primary key finds where the prefix ends: about log2(head) + 1
-- index probes (~21 at 1M events, ~0.1 ms), with no index on recorded_at for
-- every append to maintain. Many events share one recorded_at (a batch has
-- one), so each function answers for a whole run of equal times at once.
--
-- Both depend only on mcledger.events, read in the caller's snapshot (STABLE):
-- inside one statement or REPEATABLE READ transaction the position agrees
-- with everything else it reads. Both are bounds that cut between events
-- exactly, so a position range replaces a time condition:
--   recorded_at <= t  <=>  position <= last_position_at(t)
--   recorded_at >= t  <=>  position >= first_position_from(t)
-- The search only relies on positions being ordered, not on them being
-- gapless: where a probed row is missing (deleted behind the triggers' back,
-- which verify reports) it probes the next row instead, and both answers still
-- cut in the right place, though first_position_from may then name the
-- missing position. A probe is `position = mid` (half the time of a
-- `position >= mid ORDER BY position LIMIT 1` probe in this loop, measured).
-- SECURITY INVOKER: a caller reads only what it may read itself.

-- The largest position recorded at or before p_time (0 when none: an empty
-- ledger, or p_time before the first event). NULL for a NULL time.
CREATE OR REPLACE FUNCTION mcledger.last_position_at(p_time timestamptz) RETURNS bigint
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- every event at or before lo is recorded at or before p_time
    lo bigint := 0;
    -- every event after hi is recorded after p_time
    hi bigint;
    head_at timestamptz;
    mid bigint;
    probe bigint;
    probe_at timestamptz;
    steps int := 0;
BEGIN
    SELECT e.position, e.recorded_at INTO hi, head_at FROM mcledger.events e ORDER BY e.position DESC LIMIT 1;
    IF hi IS NULL THEN
        RETURN 0;
    ELSIF head_at <= p_time THEN
        RETURN hi; -- the whole ledger (an as-of now, an --until in the future)
    END IF;
    hi := hi - 1;
    WHILE lo < hi LOOP
        -- (lo, hi] halves each step: at most 63 steps for any bigint range.
        steps := steps + 1;
        IF steps > 64 THEN
            RAISE EXCEPTION 'last_position_at(%): the binary search did not converge (% .. %)', p_time, lo, hi;
        END IF;
        mid := hi - (hi - lo) / 2;
        probe := mid;
        SELECT e.recorded_at INTO probe_at FROM mcledger.events e WHERE e.position = mid;
        IF NOT FOUND THEN
            SELECT e.position, e.recorded_at INTO probe, probe_at
            FROM mcledger.events e WHERE e.position > mid ORDER BY e.position LIMIT 1;
        END IF;
        IF probe <= hi AND probe_at <= p_time THEN
            lo := probe;
        ELSE
            hi := mid - 1;
        END IF;
    END LOOP;
    RETURN lo;
END
$$;

-- The smallest position recorded at or after p_time; head + 1 when none (an
-- empty ledger gives 1), so that `position >= first_position_from(t)` is
-- empty exactly when no event is that recent. NULL for a NULL time.
-- timestamptz counts whole microseconds, so "recorded before p_time" is
-- "recorded at or before p_time - 1 us": the same search, one step earlier.
CREATE OR REPLACE FUNCTION mcledger.first_position_from(p_time timestamptz) RETURNS bigint
LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT mcledger.last_position_at(p_time - interval '1 microsecond') + 1 $$;

-- Whoever may read events may ask where a time falls in them.
REVOKE ALL ON FUNCTION mcledger.last_position_at(timestamptz), mcledger.first_position_from(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mcledger.last_position_at(timestamptz), mcledger.first_position_from(timestamptz)
    TO mcledger_read, mcledger_append, mcledger_admin;
