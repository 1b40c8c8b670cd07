-- The refresh tokens each session has spent (SHA-256 of the secret, as sessions.refresh_hash): presenting one of
-- them again is a replay and ends the session (RFC 9700 §4.14), while a secret the session never issued is only a
-- failed attempt. The session id alone (it is in every access token and in log lines) can no longer end a session.
-- Rows go with their session.
CREATE TABLE spent_refresh_tokens (
    session_id uuid  NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    hash       bytea NOT NULL,
    PRIMARY KEY (session_id, hash)
);

-- Tokens spent before this migration: only the one before each current token was kept.
INSERT INTO spent_refresh_tokens (session_id, hash)
SELECT id, previous_hash FROM sessions WHERE previous_hash IS NOT NULL;
