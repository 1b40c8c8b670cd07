-- Listing by tag is newest first, but the articles of a tag were found through (tag_id, article_id):
-- every match had to be fetched from articles to learn its date before the page could be cut, so
-- the cost grew with the tag's size. The article's creation time (fixed for life) is copied into
-- article_tags, and one index serves the page (first entries in order) and the count (index only).
ALTER TABLE article_tags ADD COLUMN created_at timestamptz;
UPDATE article_tags at SET created_at = a.created_at FROM articles a WHERE a.id = at.article_id;
ALTER TABLE article_tags ALTER COLUMN created_at SET NOT NULL;
CREATE INDEX article_tags_tag_created_idx ON article_tags (tag_id, created_at DESC, article_id DESC);
DROP INDEX article_tags_tag_idx;
