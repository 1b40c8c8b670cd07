-- Loads the bench database's tables and indexes into shared_buffers before anything is measured: a serving
-- database is warm, and on hosts that reclaim the OS page cache eagerly a cold one reads from disk for minutes
-- (searches at L stalled 0.2-0.9 s at a time until it was warm: p99 27 ms warm).
CREATE EXTENSION IF NOT EXISTS pg_prewarm;
SELECT count(pg_prewarm(c.oid)) AS relations_loaded
FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i');
