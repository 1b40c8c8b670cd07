-- Concurrent creates no longer queue behind each other on counter rows. Every create added 1 to the one
-- article_count row and to each of its tags' rows, and held those row locks until it committed, across the
-- client's round trips: 32 clients creating with the same tags ran one at a time (pg_stat_activity: most
-- backends waiting on Lock:transactionid in INSERT INTO articles).
LOCK TABLE articles, article_tags, tags, article_count IN SHARE ROW EXCLUSIVE MODE;

-- The article count is spread over 32 rows: a writer adds to its backend's own row, the count is their sum
-- (one page). Two transactions meet on a row only when their backends share a slot. A slot may go below
-- zero (an article counted in one slot, deleted through another); the sum may not.
ALTER TABLE article_count DROP CONSTRAINT article_count_pkey, DROP CONSTRAINT article_count_total_check,
    DROP CONSTRAINT article_count_singleton_check;
ALTER TABLE article_count DROP COLUMN singleton, ADD COLUMN slot smallint NOT NULL DEFAULT 0 PRIMARY KEY;
INSERT INTO article_count (slot, total) SELECT s, 0 FROM generate_series(1, 31) AS s;

CREATE FUNCTION article_count_add(delta bigint) RETURNS void LANGUAGE sql AS $$
    UPDATE article_count SET total = total + delta WHERE slot = pg_backend_pid() % 32;
$$;

CREATE OR REPLACE FUNCTION article_count_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE article_count SET total = 0;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT count(*) INTO delta FROM changed_rows WHERE NOT hidden;
    ELSE
        SELECT -count(*) INTO delta FROM changed_rows WHERE NOT hidden;
    END IF;
    IF delta <> 0 THEN
        PERFORM article_count_add(delta);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION article_count_hidden() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM article_count_add(CASE WHEN NEW.hidden THEN -1 ELSE 1 END);
    RETURN NULL;
END
$$;

-- GET /api/tags lists the tags in use, and that is all it needs to know: the per-tag count becomes an
-- in-use flag, which only changes when a tag's first article comes or its last one goes. A writer of a tag
-- already in use changes (and locks) nothing.
--   * Gaining a use: set the flag where it is not set (a row already in use is neither updated nor locked).
--   * Losing one: lock the tag FOR UPDATE, which waits for every transaction inserting a use of it (their
--     foreign-key check holds FOR KEY SHARE on the tag until they commit), then look for a visible use in a
--     new snapshot and clear the flag if there is none. A use inserted after the lock waits for it, and
--     then sets the flag again.
ALTER TABLE tags ADD COLUMN in_use boolean NOT NULL DEFAULT false;
UPDATE tags SET in_use = articles > 0;
DROP INDEX tags_in_use_idx;
ALTER TABLE tags DROP COLUMN articles;
CREATE INDEX tags_in_use_idx ON tags (name) WHERE in_use;

CREATE FUNCTION tags_gained_use(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    UPDATE tags SET in_use = true WHERE id = ANY(ids) AND NOT in_use;
$$;

CREATE FUNCTION tags_lost_use(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- In id order, like every writer that locks tags: two of them queue, never deadlock.
    PERFORM 1 FROM tags WHERE id = ANY(ids) ORDER BY id FOR UPDATE;
    UPDATE tags t SET in_use = false
    WHERE t.id = ANY(ids) AND t.in_use
      AND NOT EXISTS (SELECT 1 FROM article_tags at WHERE at.tag_id = t.id AND NOT at.hidden);
END
$$;

CREATE OR REPLACE FUNCTION tag_usage_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[] := ARRAY(SELECT DISTINCT tag_id FROM changed_rows WHERE NOT hidden);
BEGIN
    IF cardinality(ids) = 0 THEN
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM tags_gained_use(ids);
    ELSE
        PERFORM tags_lost_use(ids);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION tag_usage_hidden() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.hidden THEN
        PERFORM tags_lost_use(ARRAY[NEW.tag_id]);
    ELSE
        PERFORM tags_gained_use(ARRAY[NEW.tag_id]);
    END IF;
    RETURN NULL;
END
$$;
