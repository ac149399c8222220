-- 004: no index on recorded_at.
--
-- events_recorded_at_idx (001) served "as of TIME" and history's
-- --since/--until, and cost every append a fourth B-tree insert (~9% of the
-- appending backend's CPU in bulk appends). recorded_at never decreases with
-- position, so those lookups are now binary searches over the primary key
-- (mcledger.last_position_at / mcledger.first_position_from, functions/015_time.sql).
-- Binaries older than this migration still work against it, but their time
-- lookups scan the table: upgrade them together with the schema.
--
-- A plain DROP INDEX inside the migration's transaction: it holds the
-- table's ACCESS EXCLUSIVE lock only until the migration commits, and
-- dropping an index does not rewrite anything.

DROP INDEX IF EXISTS mcledger.events_recorded_at_idx;
