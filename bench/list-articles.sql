-- The anonymous article list exactly as ListArticles runs it (count, then the page), for pgbench:
-- tests/Api.Tests/Unit/BenchmarkSqlTests.cs keeps the two identical. A viewer id that matches nobody
-- plans like the API's NULL parameter.
\set viewer 0
\set limit 20
\set offset 0
SELECT sum(total)::bigint FROM article_count;
SELECT a.id, a.author_id, a.version, u.version AS author_version, a.slug, a.title, a.description,
ARRAY(SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id
      WHERE at.article_id = a.id ORDER BY t.name) AS tag_list,
a.created_at, a.updated_at,
EXISTS (SELECT 1 FROM favorites f WHERE f.user_id = :viewer AND f.article_id = a.id) AS favorited,
a.favorites_count,
u.username, u.bio, u.image,
EXISTS (SELECT 1 FROM follows fo WHERE fo.follower_id = :viewer AND fo.followee_id = a.author_id) AS following
FROM (SELECT a.id, a.slug, a.title, a.description, a.author_id, a.version, a.favorites_count, a.created_at, a.updated_at
FROM articles a
WHERE NOT a.hidden
ORDER BY a.created_at DESC, a.id DESC
LIMIT :limit OFFSET :offset) AS a
JOIN users u ON u.id = a.author_id
ORDER BY a.created_at DESC, a.id DESC;
