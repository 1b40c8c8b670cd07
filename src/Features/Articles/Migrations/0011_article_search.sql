-- GET /api/articles?q=: titles weigh most, then descriptions, then bodies; English stemming. A stored,
-- generated column (kept by PostgreSQL on every write) with a GIN index serves the match and the count.
ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A')
    || setweight(to_tsvector('english', description), 'B')
    || setweight(to_tsvector('english', body), 'C')) STORED;
CREATE INDEX articles_search_idx ON articles USING gin (search);
