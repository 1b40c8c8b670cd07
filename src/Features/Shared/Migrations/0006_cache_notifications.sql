-- The read cache (src/Infrastructure/Caching) of every instance learns what changed from NOTIFY on
-- 'conduit_cache', sent by statement-level triggers inside the writing transaction (so delivered at commit,
-- never for a rollback). Payload: '<n> <tag> <tag> ...' where n comes from content_change and tags name
-- what a cached read depends on:
--   L       membership of the unfiltered article list     a<id>  an article's row (content, favorites)
--   t<id>   membership of a tag's list                    c<id>  the comments of article <id>
--   A<id>   membership of an author's list                u<id>  a user's public profile
--   F<id>   membership of a user's favorites              T      the tags in use (and any tag's list)
--   U       a new user (a list filtered by a name nobody had yet)
--   *       everything (a statement too large to list)
CREATE SEQUENCE content_change;

-- The entity versions an ETag is made of (and If-Match will compare): bumped by every update of the row.
ALTER TABLE articles ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN version integer NOT NULL DEFAULT 1;

CREATE FUNCTION bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END
$$;
CREATE TRIGGER articles_version BEFORE UPDATE ON articles FOR EACH ROW EXECUTE FUNCTION bump_version();
-- Only what others see of a user (not the email or password hash) makes a new profile version.
CREATE TRIGGER users_version BEFORE UPDATE OF username, bio, image ON users FOR EACH ROW
    WHEN (OLD.username IS DISTINCT FROM NEW.username OR OLD.bio IS DISTINCT FROM NEW.bio OR OLD.image IS DISTINCT FROM NEW.image)
    EXECUTE FUNCTION bump_version();

CREATE FUNCTION notify_content_change(tags text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    listed text := array_to_string(ARRAY(SELECT DISTINCT unnest(tags)), ' ');
BEGIN
    IF listed IS NULL OR listed = '' THEN
        RETURN;
    END IF;
    -- NOTIFY payloads are limited to 8000 bytes: a bulk statement flushes everything instead.
    PERFORM pg_notify('conduit_cache', nextval('content_change') || ' ' || CASE WHEN length(listed) > 7000 THEN '*' ELSE listed END);
END
$$;

CREATE FUNCTION articles_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM notify_content_change(ARRAY['L'] || ARRAY(SELECT 'A' || author_id FROM changed_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM notify_content_change(ARRAY(SELECT 'a' || id FROM changed_rows));
    ELSE
        PERFORM notify_content_change(ARRAY['L']
            || ARRAY(SELECT 'a' || id FROM changed_rows) || ARRAY(SELECT 'c' || id FROM changed_rows)
            || ARRAY(SELECT 'A' || author_id FROM changed_rows));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER articles_inserted AFTER INSERT ON articles REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_changed();
CREATE TRIGGER articles_updated AFTER UPDATE ON articles REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_changed();
CREATE TRIGGER articles_deleted AFTER DELETE ON articles REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_changed();

CREATE FUNCTION article_tags_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify_content_change(ARRAY['T']
        || ARRAY(SELECT 't' || tag_id FROM changed_rows)
        || ARRAY(SELECT 'a' || article_id FROM changed_rows));
    RETURN NULL;
END
$$;
CREATE TRIGGER article_tags_inserted AFTER INSERT ON article_tags REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION article_tags_changed();
CREATE TRIGGER article_tags_deleted AFTER DELETE ON article_tags REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION article_tags_changed();

CREATE FUNCTION favorites_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify_content_change(ARRAY(SELECT 'F' || user_id FROM changed_rows));
    RETURN NULL;
END
$$;
CREATE TRIGGER favorites_inserted AFTER INSERT ON favorites REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION favorites_changed();
CREATE TRIGGER favorites_deleted AFTER DELETE ON favorites REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION favorites_changed();

CREATE FUNCTION comments_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify_content_change(ARRAY(SELECT 'c' || article_id FROM changed_rows));
    RETURN NULL;
END
$$;
CREATE TRIGGER comments_inserted AFTER INSERT ON comments REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_changed();
CREATE TRIGGER comments_deleted AFTER DELETE ON comments REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_changed();

CREATE FUNCTION users_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM notify_content_change(ARRAY['U']);
    ELSE
        PERFORM notify_content_change(ARRAY(SELECT 'u' || n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.version <> o.version));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER users_inserted AFTER INSERT ON users REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION users_changed();
CREATE TRIGGER users_updated AFTER UPDATE ON users REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION users_changed();
