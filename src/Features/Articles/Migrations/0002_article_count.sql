-- The unfiltered article list returns the total number of articles with every page. Counting them
-- per request grows with the table (tens of milliseconds at a million rows); this one-row counter is
-- kept by statement-level triggers inside the transaction of every insert and delete, so reading it
-- is one row and it is always exact. Filtered counts stay count(*): their indexes bound them.
LOCK TABLE articles IN SHARE ROW EXCLUSIVE MODE; -- no write may slip between the count and the triggers

CREATE TABLE article_count (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    total     bigint  NOT NULL CHECK (total >= 0)
);
INSERT INTO article_count (total) SELECT count(*) FROM articles;

CREATE FUNCTION article_count_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE article_count SET total = 0;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT count(*) INTO delta FROM changed_rows;
    ELSE
        SELECT -count(*) INTO delta FROM changed_rows;
    END IF;
    -- A statement that changed nothing (a slug conflict) does not take the counter's row lock.
    IF delta <> 0 THEN
        UPDATE article_count SET total = total + delta;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER article_count_insert AFTER INSERT ON articles
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION article_count_changed();
CREATE TRIGGER article_count_delete AFTER DELETE ON articles
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION article_count_changed();
CREATE TRIGGER article_count_truncate AFTER TRUNCATE ON articles
    FOR EACH STATEMENT EXECUTE FUNCTION article_count_changed();
