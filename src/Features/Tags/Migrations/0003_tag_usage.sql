-- GET /api/tags lists every tag in use. Probing article_tags once per tag grows with the number of
-- tags (a thousand probes per request at 1k tags); instead each tag carries how many articles use it,
-- kept by statement-level triggers on article_tags inside the writing transaction, and a partial
-- index holds exactly the names in use, in order.
LOCK TABLE article_tags IN SHARE ROW EXCLUSIVE MODE; -- no write may slip between the count and the triggers

ALTER TABLE tags ADD COLUMN articles integer NOT NULL DEFAULT 0 CHECK (articles >= 0);
UPDATE tags t SET articles = used.n
FROM (SELECT tag_id, count(*) AS n FROM article_tags GROUP BY tag_id) AS used
WHERE t.id = used.tag_id;
CREATE INDEX tags_in_use_idx ON tags (name) WHERE articles > 0;

CREATE FUNCTION tag_usage_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sign integer := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
BEGIN
    -- Rows are locked in id order first: two writers touching the same tags queue, never deadlock.
    PERFORM 1 FROM tags WHERE id IN (SELECT tag_id FROM changed_rows) ORDER BY id FOR NO KEY UPDATE;
    UPDATE tags t SET articles = t.articles + sign * d.n
    FROM (SELECT tag_id, count(*) AS n FROM changed_rows GROUP BY tag_id) AS d
    WHERE t.id = d.tag_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER tag_usage_insert AFTER INSERT ON article_tags
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION tag_usage_changed();
CREATE TRIGGER tag_usage_delete AFTER DELETE ON article_tags
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION tag_usage_changed();
