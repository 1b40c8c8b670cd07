-- Idempotency:MaxKeysPerCaller: every claim of a new key counts the caller's kept keys and finds the oldest
-- (for Retry-After); this index answers both from at most MaxKeysPerCaller entries of one caller.
CREATE INDEX idempotency_keys_scope_created_idx ON idempotency_keys (scope, created_at);
