-- Fills a freshly migrated Conduit database with synthetic data, set-based (generate_series), in
-- one transaction. Variables (psql -v): users, articles, favorites_per_user, follows_per_user,
-- comments, tags, scale. Every seeded user shares one unusable password hash: the benchmark logs
-- in as a user it registers through the API.
--
-- Speed (L: 12M rows): ids are given explicitly and references computed from them, so foreign-key
-- checks and the counter triggers are switched off for this session (session_replication_role =
-- replica); the counters they would keep are computed once at the end instead.
\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
SET work_mem = '256MB';

BEGIN;
SET LOCAL session_replication_role = replica;

INSERT INTO users (id, username, email, password_hash, bio, image, created_at) OVERRIDING SYSTEM VALUE
SELECT n, 'user_' || n, 'user_' || n || '@bench.test', 'seeded-no-login',
       CASE WHEN n % 3 = 0 THEN 'Bio of user ' || n END, NULL,
       now() - make_interval(days => 400)
FROM generate_series(1::bigint, :users) AS n;

INSERT INTO tags (id, name) OVERRIDING SYSTEM VALUE
SELECT n, 'tag_' || n FROM generate_series(1::bigint, :tags) AS n;

-- j * prime mod N is distinct for j < N: no duplicate pairs, no ON CONFLICT needed.
INSERT INTO favorites (user_id, article_id)
SELECT u, 1 + (u * 7919 + j * 104729) % :articles
FROM generate_series(1::bigint, :users) AS u, generate_series(0::bigint, :favorites_per_user - 1) AS j;

-- Spread over the past, one article every few seconds, with milliseconds; newest has the highest id.
-- favorites_count is joined in from the favorites just written.
INSERT INTO articles (id, slug, title, description, body, author_id, favorites_count, created_at, updated_at) OVERRIDING SYSTEM VALUE
SELECT n, 'article-' || n, 'Article ' || n, 'What article ' || n || ' is about',
       repeat('Lorem ipsum dolor sit amet, consectetur adipiscing elit. ', 10) || n,
       1 + (n * 7919) % :users, coalesce(f.c, 0), ts, ts
FROM generate_series(1::bigint, :articles) AS n
CROSS JOIN LATERAL (SELECT now() - make_interval(secs => (:articles - n) * 3.0 + (n % 1000) / 1000.0) AS ts) AS t
LEFT JOIN (SELECT article_id, count(*) AS c FROM favorites GROUP BY article_id) AS f ON f.article_id = n;

-- 1 to 3 distinct tags per article (offsets a third of the tag space apart never collide).
INSERT INTO article_tags (article_id, tag_id, created_at)
SELECT a.id, 1 + (a.id + k * (:tags / 3)) % :tags, a.created_at
FROM articles a, generate_series(0, 2) AS k
WHERE k <= a.id % 3;

INSERT INTO follows (follower_id, followee_id)
SELECT u, f
FROM generate_series(1::bigint, :users) AS u, generate_series(0::bigint, :follows_per_user - 1) AS j,
     LATERAL (SELECT 1 + (u * 31 + j * 7907) % :users AS f) AS x
WHERE f <> u;

INSERT INTO comments (article_id, author_id, body, created_at, updated_at)
SELECT 1 + n % :articles, 1 + (n * 7) % :users, 'Comment ' || n || ' says something.',
       now() - make_interval(secs => (:comments - n) / 10.0), now() - make_interval(secs => (:comments - n) / 10.0)
FROM generate_series(1::bigint, :comments) AS n;

-- What the switched-off triggers and identity columns would have done.
UPDATE article_count SET total = CASE slot WHEN 0 THEN (SELECT count(*) FROM articles) ELSE 0 END;
UPDATE tags t SET in_use = EXISTS (SELECT 1 FROM article_tags at WHERE at.tag_id = t.id);
DELETE FROM search_counts; -- kept search counts (migration 0015) did not see the seeded articles
SELECT setval(pg_get_serial_sequence('users', 'id'), :users);
SELECT setval(pg_get_serial_sequence('tags', 'id'), :tags);
SELECT setval(pg_get_serial_sequence('articles', 'id'), :articles);

CREATE TABLE bench_seed (scale text NOT NULL, seeded_at timestamptz NOT NULL DEFAULT now());
INSERT INTO bench_seed (scale) VALUES (:'scale');

COMMIT;

VACUUM ANALYZE;
