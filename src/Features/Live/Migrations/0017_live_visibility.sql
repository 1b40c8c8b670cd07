-- Live events honour visibility (migration 0010) like every other read: an event that shows a suspended
-- author's article or comment is neither delivered nor replayed while it is hidden, and a suspension announces
-- the removal of the comments it hides on the comment streams. Each event names the article and the comment it
-- shows; live_shown() is the rule, applied by every instance's outbox reader and by a resuming stream's
-- catch-up (src/Features/Live/Streams/LiveHub.cs) — so it holds at the moment of sending, whichever instance sends.
ALTER TABLE live_events ADD COLUMN article_id bigint, ADD COLUMN comment_id bigint;

-- Events written before this migration are resumable for Live:Retention yet: name what they show too.
UPDATE live_events e SET article_id = c.article_id, comment_id = c.id
FROM comments c WHERE e.type = 'comment.added' AND c.id = (e.data::json -> 'comment' ->> 'id')::bigint;
UPDATE live_events e SET article_id = a.id
FROM articles a WHERE e.type IN ('article.published', 'article.favorited') AND a.slug = e.data::json -> 'article' ->> 'slug';

-- Whether an event may be sent now. One that shows an article or a comment: unless either is hidden (a deleted
-- one is followed by its own comment.deleted). A comment.deleted: unless the comment is visible again — the
-- removal a suspension announced, replayed after the reinstatement, would take a comment that is back.
CREATE FUNCTION live_shown(p_type text, p_article bigint, p_comment bigint) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_type = 'comment.deleted'
        THEN NOT EXISTS (SELECT 1 FROM comments c JOIN articles a ON a.id = c.article_id
                         WHERE c.id = p_comment AND NOT c.hidden AND NOT a.hidden)
        ELSE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = p_article AND a.hidden)
         AND NOT EXISTS (SELECT 1 FROM comments c WHERE c.id = p_comment AND c.hidden)
    END
$$;

-- As in 0009, with the article and comment each event shows (NULL: none).
CREATE FUNCTION live_publish(p_topics text[], p_types text[], p_data text[], p_articles bigint[], p_comments bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(cardinality(p_topics), 0) = 0 THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(7466101);
    -- The API escapes < > & ' in JSON strings (JsonSetup); these characters only occur inside strings.
    INSERT INTO live_events (topic, type, data, article_id, comment_id)
    SELECT t, ty, replace(replace(replace(replace(d, '<', '\u003c'), '>', '\u003e'), '&', '\u0026'), '''', '\u0027'), a, c
    FROM unnest(p_topics, p_types, p_data, p_articles, p_comments) AS e(t, ty, d, a, c);
    PERFORM pg_notify('conduit_live', '');
END
$$;

-- Events that show no article or comment (follower.added, a deletion's comment.deleted).
CREATE OR REPLACE FUNCTION live_publish(p_topics text[], p_types text[], p_data text[]) RETURNS void LANGUAGE sql AS $$
    SELECT live_publish(p_topics, p_types, p_data, NULL, NULL)
$$;

CREATE OR REPLACE FUNCTION live_comment_added() RETURNS trigger LANGUAGE plpgsql AS $$
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
            ARRAY[json_build_object('comment', live_comment(NEW, NULL))::text], ARRAY[NEW.article_id], ARRAY[NEW.id]);
    ELSE
        PERFORM live_publish(ARRAY['c' || NEW.article_id, 'u' || owner], ARRAY['comment.added', 'comment.added'],
            ARRAY[json_build_object('comment', live_comment(NEW, NULL))::text,
                  json_build_object('comment', live_comment(NEW, owner), 'article', json_build_object('slug', slug, 'title', title))::text],
            ARRAY[NEW.article_id, NEW.article_id], ARRAY[NEW.id, NEW.id]);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION live_article_published() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM articles WHERE id = NEW.id) THEN
        RETURN NULL;
    END IF;
    PERFORM live_publish(ARRAY(SELECT 'u' || f.follower_id FROM follows f WHERE f.followee_id = NEW.author_id ORDER BY f.follower_id),
        ARRAY(SELECT 'article.published' FROM follows f WHERE f.followee_id = NEW.author_id ORDER BY f.follower_id),
        ARRAY(SELECT json_build_object('article', live_article(NEW.id, f.follower_id))::text
              FROM follows f WHERE f.followee_id = NEW.author_id ORDER BY f.follower_id),
        ARRAY(SELECT NEW.id FROM follows f WHERE f.followee_id = NEW.author_id),
        NULL);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION live_article_favorited() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    owner bigint;
BEGIN
    SELECT author_id INTO owner FROM articles WHERE id = NEW.article_id;
    IF owner IS NULL OR owner = NEW.user_id
       OR NOT EXISTS (SELECT 1 FROM favorites WHERE user_id = NEW.user_id AND article_id = NEW.article_id) THEN
        RETURN NULL;
    END IF;
    PERFORM live_publish(ARRAY['u' || owner], ARRAY['article.favorited'],
        ARRAY[json_build_object('article', live_article(NEW.article_id, owner), 'profile', live_profile(NEW.user_id, owner))::text],
        ARRAY[NEW.article_id], NULL);
    RETURN NULL;
END
$$;

-- A suspension takes the user's comments, and every comment on their articles, off the comment streams: a
-- comment.deleted each (what clients already do with a deletion), naming the comment so that live_shown() drops
-- it once the comment is back. The user streams have no removal event: their events are notifications.
-- At commit, like the other events (ids in commit order), and only if the user is still suspended then.
CREATE FUNCTION live_user_suspended() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    topics text[];
    types text[];
    data text[];
    article_ids bigint[];
    comment_ids bigint[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.id AND suspended_at IS NOT NULL) THEN
        RETURN NULL;
    END IF;
    SELECT array_agg('c' || h.article_id ORDER BY h.id), array_agg('comment.deleted'::text ORDER BY h.id),
           array_agg(json_build_object('comment', json_build_object('id', h.id))::text ORDER BY h.id),
           array_agg(h.article_id ORDER BY h.id), array_agg(h.id ORDER BY h.id)
    INTO topics, types, data, article_ids, comment_ids
    FROM (SELECT c.id, c.article_id FROM comments c WHERE c.author_id = NEW.id
          UNION
          SELECT c.id, c.article_id FROM articles a JOIN comments c ON c.article_id = a.id WHERE a.author_id = NEW.id) AS h;
    PERFORM live_publish(topics, types, data, article_ids, comment_ids);
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER live_user_suspended AFTER UPDATE OF suspended_at ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.suspended_at IS NULL AND NEW.suspended_at IS NOT NULL)
    EXECUTE FUNCTION live_user_suspended();
