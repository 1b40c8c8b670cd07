-- Every trigger function says what it keeps true, where a reader of the schema (src/schema.sql, psql's \df+)
-- finds it: triggers hold invariants whoever writes, and the invariant is easy to lose among redefinitions
-- (several of these were replaced by later migrations). A test fails for a trigger function without one.

-- Counters and flags.
COMMENT ON FUNCTION article_count_changed() IS
    'Keeps the sum of article_count.total equal to the number of visible articles as articles are inserted, deleted or truncated (each writer adds to its own slot).';
COMMENT ON FUNCTION article_count_hidden() IS
    'Keeps the sum of article_count.total equal to the number of visible articles when an article is hidden or shown again.';
COMMENT ON FUNCTION tag_usage_changed() IS
    'Keeps tags.in_use true exactly for the tags a visible article uses as article_tags rows are inserted or deleted.';
COMMENT ON FUNCTION tag_usage_hidden() IS
    'Keeps tags.in_use true exactly for the tags a visible article uses when an article_tags row is hidden or shown again.';
COMMENT ON FUNCTION bump_version() IS
    'Keeps the version of a row moving by one with every change an ETag or If-Match compares (the columns its trigger lists).';

-- Visibility and the audit log.
COMMENT ON FUNCTION users_suspension_changed() IS
    'Keeps the articles, comments and article_tags rows of a user hidden exactly while the user is suspended, ends their sessions on suspension and flushes every read cache.';
COMMENT ON FUNCTION audit_log_append_only() IS
    'Keeps audit_log append-only by refusing every UPDATE, DELETE and TRUNCATE.';

-- The read cache of every instance (NOTIFY conduit_cache, payload in migration 0006).
COMMENT ON FUNCTION articles_changed() IS
    'Keeps every read cache from serving what a statement on articles made stale: announces the lists it joins or leaves, the articles, their comments, and every search on an edit.';
COMMENT ON FUNCTION article_tags_changed() IS
    'Keeps every read cache from serving what a statement on article_tags made stale: announces the tags in use, each tag list and each article.';
COMMENT ON FUNCTION favorites_changed() IS
    'Keeps every read cache from serving what a statement on favorites made stale: announces the favorites list of each user.';
COMMENT ON FUNCTION comments_changed() IS
    'Keeps every read cache from serving what a statement on comments made stale: announces the comments of each article.';
COMMENT ON FUNCTION users_changed() IS
    'Keeps every read cache from serving what a statement on users made stale: announces a new user, or each public profile whose version moved.';

-- Sessions.
COMMENT ON FUNCTION sessions_notify_revoked() IS
    'Keeps the in-memory set of revoked sessions of every instance complete: announces each session as it becomes revoked (NOTIFY session_revoked).';

-- Kept search counts (migration 0015).
COMMENT ON FUNCTION search_count_logged() IS
    'Keeps search_count_changes holding every change to the searchable text of visible articles, so that every kept search count can be brought up to date exactly.';
COMMENT ON FUNCTION search_counts_truncated() IS
    'Keeps search_counts from counting articles that are gone: empties it when articles is truncated.';

-- Live events (the outbox, migration 0009): written at commit, in commit order, only for what was committed.
COMMENT ON FUNCTION live_comment_added() IS
    'Keeps the live outbox announcing every committed comment: comment.added on its article stream, and on the stream of the author of the article unless they wrote it.';
COMMENT ON FUNCTION live_comment_deleted() IS
    'Keeps the live outbox announcing every committed comment deletion on its article stream, unless the article went with it.';
COMMENT ON FUNCTION live_article_published() IS
    'Keeps the live outbox announcing every committed article to each follower of its author (article.published).';
COMMENT ON FUNCTION live_article_favorited() IS
    'Keeps the live outbox announcing every committed favorite to the author of the article (article.favorited), except their own.';
COMMENT ON FUNCTION live_follower_added() IS
    'Keeps the live outbox announcing every committed follow to the followed user (follower.added).';
COMMENT ON FUNCTION live_user_suspended() IS
    'Keeps open comment streams from showing a suspended user: a comment.deleted for each of their comments and each comment on their articles, at commit.';
