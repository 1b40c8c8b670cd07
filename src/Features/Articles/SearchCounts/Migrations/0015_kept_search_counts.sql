-- The exact count of a broad search (?q=) without counting its matches every time: a term in every one of
-- 1 M articles took 260-800 ms to count, alone. Once counted, a broad search's count is kept together with the
-- snapshot it was taken in; every later search adds what changed since, from a log of the searchable text
-- each write removed and added. The count is exact in the reader's own snapshot: a change is in the kept total
-- exactly when the kept snapshot saw its transaction (pg_visible_in_snapshot), so a transaction that was
-- still running when the count was taken is added once it commits, never twice and never lost.

-- One row per visible article's searchable text that a transaction removed (was) or added (now).
CREATE TABLE search_count_changes (
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    was tsvector,
    now tsvector
);

-- The kept counts: websearch_to_tsquery(...) (as text, the key), its number of visible matches as of a snapshot.
CREATE TABLE search_counts (
    query text PRIMARY KEY,
    terms tsquery NOT NULL,
    total bigint NOT NULL,
    as_of pg_snapshot NOT NULL,
    kept_at timestamptz NOT NULL DEFAULT now()
);

-- Up to which snapshot the last fold brought the kept counts (folded), and up to which the log has been
-- dropped (dropped: the fold before, so that a count taken meanwhile can still be kept and caught up). One row;
-- locking it orders keeping a new count against folding: FOR SHARE to keep, FOR UPDATE to fold.
CREATE TABLE search_count_horizon (
    folded pg_snapshot NOT NULL,
    dropped pg_snapshot NOT NULL
);
INSERT INTO search_count_horizon VALUES (pg_current_snapshot(), pg_current_snapshot());

CREATE FUNCTION search_count_logged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_count_changes (was, now) VALUES (
        CASE WHEN TG_OP <> 'INSERT' AND NOT OLD.hidden THEN OLD.search END,
        CASE WHEN TG_OP <> 'DELETE' AND NOT NEW.hidden THEN NEW.search END);
    RETURN NULL;
END
$$;
CREATE TRIGGER articles_search_inserted AFTER INSERT ON articles FOR EACH ROW
    WHEN (NOT NEW.hidden) EXECUTE FUNCTION search_count_logged();
CREATE TRIGGER articles_search_deleted AFTER DELETE ON articles FOR EACH ROW
    WHEN (NOT OLD.hidden) EXECUTE FUNCTION search_count_logged();
-- Favorites update articles too; only an edit of the text or of visibility is logged.
CREATE TRIGGER articles_search_updated AFTER UPDATE OF title, description, body, hidden ON articles FOR EACH ROW
    WHEN (OLD.search IS DISTINCT FROM NEW.search OR OLD.hidden <> NEW.hidden) EXECUTE FUNCTION search_count_logged();

CREATE FUNCTION search_counts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_counts;
    RETURN NULL;
END
$$;
CREATE TRIGGER articles_search_truncated AFTER TRUNCATE ON articles FOR EACH STATEMENT EXECUTE FUNCTION search_counts_truncated();

-- What one logged change does to the count of terms: +1, -1 or 0 (inlined where it is used).
CREATE FUNCTION search_count_change(terms tsquery, was tsvector, now tsvector) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce((now @@ terms)::int, 0) - coalesce((was @@ terms)::int, 0)
$$;

-- A kept count brought up to now: the kept row and the log in one snapshot (the caller's: a STABLE function);
-- null when none is kept.
CREATE FUNCTION search_count_kept(terms tsquery) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT c.total + (SELECT coalesce(sum(search_count_change(c.terms, ch.was, ch.now)), 0)
                      FROM search_count_changes ch WHERE NOT pg_visible_in_snapshot(ch.xid, c.as_of))
    FROM search_counts c WHERE c.query = search_count_kept.terms::text
$$;

-- The exact number of visible articles matching terms. A kept count plus the changes since; otherwise a count,
-- kept when it is large enough to be worth keeping (from 5,000 matches: below that the index counts in a few ms).
CREATE FUNCTION search_count(terms tsquery) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    total bigint;
    as_of pg_snapshot;
    dropped pg_snapshot;
BEGIN
    total := search_count_kept(terms);
    IF total IS NOT NULL THEN
        RETURN total;
    END IF;

    -- The first searches of the same terms at once (other pages, other instances) wait for one count and use it.
    PERFORM pg_advisory_xact_lock(hashtext(terms::text));
    total := search_count_kept(terms);
    IF total IS NOT NULL THEN
        RETURN total;
    END IF;

    -- EXECUTE: planned for these terms (a scan of the index for a rare term, of the table for a common one).
    EXECUTE 'SELECT count(*), pg_current_snapshot() FROM articles a WHERE NOT a.hidden AND a.search @@ $1'
        INTO total, as_of USING terms;
    IF total < 5000 OR pg_is_in_recovery() THEN
        RETURN total;
    END IF;

    -- Keep the count only if the log still holds every change its snapshot did not see: it saw everything
    -- dropped (a count that took longer than two folds did not). The share lock holds off folds until commit.
    SELECT h.dropped INTO dropped FROM search_count_horizon h FOR SHARE;
    IF pg_snapshot_xmax(dropped) <= pg_snapshot_xmax(as_of)
       AND NOT EXISTS (SELECT 1 FROM pg_snapshot_xip(as_of) x WHERE pg_visible_in_snapshot(x, dropped)) THEN
        INSERT INTO search_counts (query, terms, total, as_of) VALUES (terms::text, terms, total, as_of) ON CONFLICT (query) DO NOTHING;
    END IF;
    RETURN total;
END
$$;

-- Folds the log into every kept count, so a search adds only the last few seconds of changes, and drops the
-- part of the log the previous fold folded; keeps the 200 most recently kept counts (each write costs a fold
-- one text match per kept count: 200 counts x 5,000 changes take 0.23 s). Run every few seconds by
-- each instance; false when another was folding.
CREATE FUNCTION search_counts_fold() RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    previous pg_snapshot;
    upto pg_snapshot;
BEGIN
    SELECT h.folded INTO previous FROM search_count_horizon h FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    -- Taken with the lock held: no count can be kept meanwhile, and every kept one is older than this.
    SELECT pg_current_snapshot() INTO upto;
    DELETE FROM search_counts WHERE query NOT IN (SELECT query FROM search_counts ORDER BY kept_at DESC LIMIT 200);
    UPDATE search_counts c
    SET total = c.total + (SELECT coalesce(sum(search_count_change(c.terms, ch.was, ch.now)), 0)
                           FROM search_count_changes ch
                           WHERE pg_visible_in_snapshot(ch.xid, upto) AND NOT pg_visible_in_snapshot(ch.xid, c.as_of)),
        as_of = upto;
    -- Every kept count is now at upto. Only what the previous fold folded is dropped: a count still being taken
    -- (not kept yet) may be older than upto, and is kept only if it saw everything dropped.
    DELETE FROM search_count_changes WHERE pg_visible_in_snapshot(xid, previous);
    UPDATE search_count_horizon SET folded = upto, dropped = previous;
    RETURN true;
END
$$;
