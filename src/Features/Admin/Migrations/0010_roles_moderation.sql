-- Roles, suspension and the moderation audit log (src/Features/Admin, src/Infrastructure/Auth/Roles.cs, src/Features/Admin/RoleLookup.cs).
--
-- A suspended user's articles and comments disappear from every public read and come back on
-- reinstatement; nothing is deleted. Filtering every read by a join to users would add a probe per row and
-- defeat the ordered indexes, so the author's state is copied into a `hidden` flag on articles, comments and
-- article_tags (which lists by tag read alone, migration 0004), kept by a trigger on users. The counters
-- (article_count, tags.articles) count visible rows only, and the list indexes hold visible rows only.
LOCK TABLE users, articles, article_tags, comments, tags, article_count IN SHARE ROW EXCLUSIVE MODE;

ALTER TABLE users
    ADD COLUMN role text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'moderator', 'admin')),
    ADD COLUMN suspended_at timestamptz;
ALTER TABLE articles ADD COLUMN hidden boolean NOT NULL DEFAULT false;
ALTER TABLE comments ADD COLUMN hidden boolean NOT NULL DEFAULT false;
ALTER TABLE article_tags ADD COLUMN hidden boolean NOT NULL DEFAULT false;

-- The admin user search matches the start of a username or email (LIKE 'q%'), indexed.
CREATE INDEX users_username_prefix_idx ON users (lower(username) text_pattern_ops);
CREATE INDEX users_email_prefix_idx ON users (lower(email) text_pattern_ops);
-- "Is this the last admin?" reads only the few privileged users.
CREATE INDEX users_role_idx ON users (role) WHERE role <> 'user';

-- The lists read visible rows only: the partial indexes replace the full ones they were served by.
CREATE INDEX articles_visible_created_idx ON articles (created_at DESC, id DESC) WHERE NOT hidden;
DROP INDEX articles_created_idx;
CREATE INDEX article_tags_visible_tag_created_idx ON article_tags (tag_id, created_at DESC, article_id DESC) WHERE NOT hidden;
DROP INDEX article_tags_tag_created_idx;

-- Counters count what is visible. Inserted and deleted rows count only when visible; a change of `hidden`
-- moves a row in or out (row-level and guarded by WHEN: ordinary updates never call it).
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
    -- A statement that changed nothing (a slug conflict) does not take the counter's row lock.
    IF delta <> 0 THEN
        UPDATE article_count SET total = total + delta;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION article_count_hidden() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_count SET total = total + CASE WHEN NEW.hidden THEN -1 ELSE 1 END;
    RETURN NULL;
END
$$;
CREATE TRIGGER article_count_hidden AFTER UPDATE OF hidden ON articles
    FOR EACH ROW WHEN (OLD.hidden IS DISTINCT FROM NEW.hidden) EXECUTE FUNCTION article_count_hidden();

CREATE OR REPLACE FUNCTION tag_usage_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sign integer := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
BEGIN
    -- Rows are locked in id order first: two writers touching the same tags queue, never deadlock.
    PERFORM 1 FROM tags WHERE id IN (SELECT tag_id FROM changed_rows WHERE NOT hidden) ORDER BY id FOR NO KEY UPDATE;
    UPDATE tags t SET articles = t.articles + sign * d.n
    FROM (SELECT tag_id, count(*) AS n FROM changed_rows WHERE NOT hidden GROUP BY tag_id) AS d
    WHERE t.id = d.tag_id;
    RETURN NULL;
END
$$;

CREATE FUNCTION tag_usage_hidden() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tags SET articles = articles + CASE WHEN NEW.hidden THEN -1 ELSE 1 END WHERE id = NEW.tag_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER tag_usage_hidden AFTER UPDATE OF hidden ON article_tags
    FOR EACH ROW WHEN (OLD.hidden IS DISTINCT FROM NEW.hidden) EXECUTE FUNCTION tag_usage_hidden();

-- Suspension and reinstatement, whichever statement makes them: hide or show the user's content, end their
-- sessions (each revocation reaches every instance through 'session_revoked', migration 0007), and flush
-- every instance's read cache ('*': the change touches lists, articles, comments and tags at once, and is rare).
CREATE FUNCTION users_suspension_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    hide boolean := NEW.suspended_at IS NOT NULL;
BEGIN
    -- Tag rows first (in tag order, like every writer of tags.articles), then the articles and comments.
    UPDATE article_tags at SET hidden = hide
    FROM articles a WHERE a.author_id = NEW.id AND at.article_id = a.id AND at.hidden <> hide;
    UPDATE articles SET hidden = hide WHERE author_id = NEW.id AND hidden <> hide;
    UPDATE comments SET hidden = hide WHERE author_id = NEW.id AND hidden <> hide;
    IF hide THEN
        UPDATE sessions SET revoked_at = now() WHERE user_id = NEW.id AND revoked_at IS NULL;
    END IF;
    PERFORM pg_notify('conduit_cache', nextval('content_change') || ' *');
    RETURN NULL;
END
$$;
CREATE TRIGGER users_suspension_changed AFTER UPDATE OF suspended_at ON users
    FOR EACH ROW WHEN ((OLD.suspended_at IS NULL) <> (NEW.suspended_at IS NULL))
    EXECUTE FUNCTION users_suspension_changed();

-- The moderation audit log: append-only. The actor is kept by id and by the name they had (no foreign key:
-- nothing that happens to a user may cascade into the log).
CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id   bigint,
    actor      text        NOT NULL,
    action     text        NOT NULL,
    target     text        NOT NULL,
    reason     text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC, id DESC);
CREATE INDEX audit_log_actor_created_idx ON audit_log (actor_id, created_at DESC, id DESC);
CREATE INDEX audit_log_action_created_idx ON audit_log (action, created_at DESC, id DESC);

-- No endpoint alters the log, and neither can any other statement: rows are only ever inserted.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
