-- Idempotency-Key (src/Infrastructure/Idempotency): one row per (scope, key) — scope is the user, or the
-- client address when anonymous — kept 24 h so that a retry through any instance gets the first answer.
-- status NULL: the first request is still running. The stored body is encrypted (it may hold tokens).
CREATE TABLE idempotency_keys (
    scope        text        NOT NULL,
    key          text        NOT NULL,
    endpoint     text        NOT NULL,
    fingerprint  bytea       NOT NULL,
    status       integer,
    content_type text,
    location     text,
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- If-Match compares an article's version: it moves with edits (title, description, body, tags — which
-- also move updated_at), not with favorites, which are no edit and would fail every editor's If-Match.
DROP TRIGGER articles_version ON articles;
CREATE TRIGGER articles_version BEFORE UPDATE OF slug, title, description, body, updated_at ON articles
    FOR EACH ROW EXECUTE FUNCTION bump_version();

-- PUT /api/user's If-Match compares the user's version: every field the user can change moves it.
DROP TRIGGER users_version ON users;
CREATE TRIGGER users_version BEFORE UPDATE OF username, email, password_hash, bio, image ON users FOR EACH ROW
    WHEN (OLD.username IS DISTINCT FROM NEW.username OR OLD.email IS DISTINCT FROM NEW.email
          OR OLD.password_hash IS DISTINCT FROM NEW.password_hash
          OR OLD.bio IS DISTINCT FROM NEW.bio OR OLD.image IS DISTINCT FROM NEW.image)
    EXECUTE FUNCTION bump_version();
