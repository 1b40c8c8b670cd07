-- Sessions (src/Features/Users/Sessions): one row per sign-in. Access tokens name their session (`sid`);
-- the refresh token is held only as the SHA-256 of its secret. Rotation keeps the previous hash and
-- the nonce the successor was derived from, so a second tab refreshing with the previous token within
-- the reuse interval gets the same successor, and one presented later is recognised as a replay.
CREATE TABLE sessions (
    id             uuid        PRIMARY KEY,
    user_id        bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    client_address text,
    user_agent     text,
    refresh_hash   bytea       NOT NULL,
    refreshed_at   timestamptz NOT NULL DEFAULT now(),
    previous_hash  bytea,
    rotation_nonce bytea,
    revoked_at     timestamptz
);

-- A user's sessions (list, end all others, end on password change).
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
-- Every instance loads the revoked set on each (re)connection of its listener.
CREATE INDEX sessions_revoked_idx ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
-- Pruning picks sessions unused for longer than any access token lives.
CREATE INDEX sessions_last_seen_idx ON sessions (last_seen_at);

-- Every revocation, whichever statement makes it, reaches every instance's in-memory revoked set.
CREATE FUNCTION sessions_notify_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('session_revoked', NEW.id::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER sessions_revoked
    AFTER UPDATE OF revoked_at ON sessions
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION sessions_notify_revoked();
