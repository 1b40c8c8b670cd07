-- Live updates (src/Features/Live): an outbox of events, written by triggers inside the writing
-- transaction (so handlers stay untouched, and a rolled-back write never announces anything), read by every
-- instance after a NOTIFY on 'conduit_live' wakes it. The table is the truth; the NOTIFY only says "look".
--   topic 'c<article id>'  an article's comment stream (anyone may watch)
--   topic 'u<user id>'     one user's activity stream (one row per recipient: flags are the recipient's)
-- data is the event's JSON in the shapes the REST endpoints return, rendered once, at commit.
CREATE TABLE live_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic      text        NOT NULL,
    type       text        NOT NULL,
    data       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- Resuming a stream reads one topic after an id; pruning deletes by age.
CREATE INDEX live_events_topic_idx ON live_events (topic, id);
CREATE INDEX live_events_created_idx ON live_events (created_at);

-- The highest id pruning has deleted: a Last-Event-ID below it may have missed events (the client reloads).
CREATE TABLE live_horizon (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    pruned_through bigint  NOT NULL
);
INSERT INTO live_horizon (pruned_through) VALUES (0);

-- Single-use stream tickets for EventSource, which cannot send headers; only the SHA-256 is kept.
CREATE TABLE live_tickets (
    hash       bytea       PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id uuid        NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX live_tickets_expires_idx ON live_tickets (expires_at);

-- Ids must be handed out in commit order, or a reader that has seen id n+1 could still see n commit later
-- and skip it for ever. The triggers below are deferred (they run at commit, after all other work of the
-- transaction), take this lock, insert, and the lock is released only once the commit is visible: so
-- every id a reader sees has all smaller ids already visible (or rolled back). The cost is that
-- event-producing commits queue for a moment, one at a time; nothing else waits on it.
CREATE FUNCTION live_publish(p_topics text[], p_types text[], p_data text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(cardinality(p_topics), 0) = 0 THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(7466101);
    -- The API escapes < > & ' in JSON strings (JsonSetup); these characters only occur inside strings.
    INSERT INTO live_events (topic, type, data)
    SELECT t, ty, replace(replace(replace(replace(d, '<', '\u003c'), '>', '\u003e'), '&', '\u0026'), '''', '\u0027')
    FROM unnest(p_topics, p_types, p_data) AS e(t, ty, d);
    PERFORM pg_notify('conduit_live', '');
END
$$;

CREATE FUNCTION live_time(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- A profile as <viewer> sees it (ProfileEnvelope / an author).
CREATE FUNCTION live_profile(p_user bigint, p_viewer bigint) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('username', u.username, 'bio', u.bio, 'image', u.image,
        'following', EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = p_viewer AND f.followee_id = u.id))
    FROM users u WHERE u.id = p_user
$$;

-- An article as the list returns it (no body) for <viewer>.
CREATE FUNCTION live_article(p_article bigint, p_viewer bigint) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('slug', a.slug, 'title', a.title, 'description', a.description,
        'tagList', ARRAY(SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE at.article_id = a.id ORDER BY t.name),
        'createdAt', live_time(a.created_at), 'updatedAt', live_time(a.updated_at),
        'favorited', EXISTS (SELECT 1 FROM favorites f WHERE f.user_id = p_viewer AND f.article_id = a.id),
        'favoritesCount', a.favorites_count, 'author', live_profile(a.author_id, p_viewer))
    FROM articles a WHERE a.id = p_article
$$;

-- A comment as the comments endpoint returns it, for <viewer>.
CREATE FUNCTION live_comment(c comments, p_viewer bigint) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', c.id, 'createdAt', live_time(c.created_at), 'updatedAt', live_time(c.updated_at),
        'body', c.body, 'author', live_profile(c.author_id, p_viewer))
$$;

CREATE FUNCTION live_comment_added() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    owner bigint;
    slug text;
    title text;
BEGIN
    -- Deferred to commit: a comment deleted again in the same transaction was never seen.
    IF NOT EXISTS (SELECT 1 FROM comments WHERE id = NEW.id) THEN
        RETURN NULL;
    END IF;
    SELECT a.author_id, a.slug, a.title INTO owner, slug, title FROM articles a WHERE a.id = NEW.article_id;
    IF NEW.author_id = owner THEN
        PERFORM live_publish(ARRAY['c' || NEW.article_id], ARRAY['comment.added'],
            ARRAY[json_build_object('comment', live_comment(NEW, NULL))::text]);
    ELSE
        PERFORM live_publish(ARRAY['c' || NEW.article_id, 'u' || owner], ARRAY['comment.added', 'comment.added'],
            ARRAY[json_build_object('comment', live_comment(NEW, NULL))::text,
                  json_build_object('comment', live_comment(NEW, owner), 'article', json_build_object('slug', slug, 'title', title))::text]);
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER live_comment_added AFTER INSERT ON comments
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION live_comment_added();

CREATE FUNCTION live_comment_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Comments that go with their article (cascade) are not announced one by one: the article is gone.
    IF EXISTS (SELECT 1 FROM articles WHERE id = OLD.article_id) THEN
        PERFORM live_publish(ARRAY['c' || OLD.article_id], ARRAY['comment.deleted'],
            ARRAY[json_build_object('comment', json_build_object('id', OLD.id))::text]);
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER live_comment_deleted AFTER DELETE ON comments
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION live_comment_deleted();

-- At commit, so the tags inserted after the article in the same transaction are part of it.
CREATE FUNCTION live_article_published() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM articles WHERE id = NEW.id) THEN
        RETURN NULL;
    END IF;
    PERFORM live_publish(ARRAY(SELECT 'u' || f.follower_id FROM follows f WHERE f.followee_id = NEW.author_id ORDER BY f.follower_id),
        ARRAY(SELECT 'article.published' FROM follows f WHERE f.followee_id = NEW.author_id ORDER BY f.follower_id),
        ARRAY(SELECT json_build_object('article', live_article(NEW.id, f.follower_id))::text
              FROM follows f WHERE f.followee_id = NEW.author_id ORDER BY f.follower_id));
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER live_article_published AFTER INSERT ON articles
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION live_article_published();

CREATE FUNCTION live_article_favorited() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    owner bigint;
BEGIN
    SELECT author_id INTO owner FROM articles WHERE id = NEW.article_id;
    IF owner IS NULL OR owner = NEW.user_id
       OR NOT EXISTS (SELECT 1 FROM favorites WHERE user_id = NEW.user_id AND article_id = NEW.article_id) THEN
        RETURN NULL;
    END IF;
    PERFORM live_publish(ARRAY['u' || owner], ARRAY['article.favorited'],
        ARRAY[json_build_object('article', live_article(NEW.article_id, owner), 'profile', live_profile(NEW.user_id, owner))::text]);
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER live_article_favorited AFTER INSERT ON favorites
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION live_article_favorited();

CREATE FUNCTION live_follower_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM follows WHERE follower_id = NEW.follower_id AND followee_id = NEW.followee_id) THEN
        PERFORM live_publish(ARRAY['u' || NEW.followee_id], ARRAY['follower.added'],
            ARRAY[json_build_object('profile', live_profile(NEW.follower_id, NEW.followee_id))::text]);
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER live_follower_added AFTER INSERT ON follows
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION live_follower_added();
