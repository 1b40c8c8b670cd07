-- Abuse protection (src/Infrastructure/AbuseProtection), shared by every instance and kept across restarts.
-- One leaky bucket per key ('login:<address>', 'login:<address>:<account hash>', 'signup:<address>'):
-- `level` counts attempts (failed logins, sign-ups) and leaks at `rate` per second; `leased` counts
-- logins whose password is being checked right now, so that concurrent guesses cannot all pass the
-- check before the first failure is recorded. Leases expire by themselves: a crashed instance cannot
-- leave a bucket blocked.
CREATE TABLE throttle_buckets (
    key         text PRIMARY KEY,
    level       double precision NOT NULL DEFAULT 0 CHECK (level >= 0),
    rate        double precision NOT NULL CHECK (rate > 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    leased      integer NOT NULL DEFAULT 0 CHECK (leased >= 0),
    lease_until timestamptz NOT NULL DEFAULT '-infinity'
);

-- Admits one attempt against every bucket in p_keys, or none: all buckets must have room.
-- p_lease > 0: the attempt holds a lease for that many seconds (settled by throttle_fail or
-- throttle_release); p_lease = 0: the attempt itself is counted (sign-ups).
-- Returns 0 when admitted, else the seconds until the fullest bucket has room for one more.
CREATE FUNCTION throttle_take(p_keys text[], p_limits double precision[], p_rates double precision[], p_lease double precision)
RETURNS double precision
LANGUAGE plpgsql AS $$
DECLARE
    b record;
    wait double precision := 0;
BEGIN
    INSERT INTO throttle_buckets (key, rate)
    SELECT k, r FROM unnest(p_keys, p_rates) AS t(k, r) ORDER BY k
    ON CONFLICT (key) DO NOTHING;

    -- Locked in key order: concurrent attempts over overlapping buckets queue, never deadlock.
    FOR b IN
        SELECT t.key, t.lim,
               greatest(0, tb.level - extract(epoch FROM now() - tb.updated_at) * t.rate) AS level,
               t.rate,
               CASE WHEN tb.lease_until > now() THEN tb.leased ELSE 0 END AS leased,
               CASE WHEN tb.lease_until > now() THEN extract(epoch FROM tb.lease_until - now()) ELSE 0 END AS lease_left
        FROM unnest(p_keys, p_limits, p_rates) AS t(key, lim, rate)
        JOIN throttle_buckets tb ON tb.key = t.key
        ORDER BY tb.key
        FOR UPDATE OF tb
    LOOP
        IF b.level + b.leased + 1 > b.lim THEN
            wait := greatest(wait, CASE WHEN b.level + 1 > b.lim THEN (b.level + 1 - b.lim) / b.rate ELSE b.lease_left END);
        END IF;
    END LOOP;

    IF wait = 0 THEN
        UPDATE throttle_buckets tb SET
            level = greatest(0, tb.level - extract(epoch FROM now() - tb.updated_at) * t.rate) + CASE WHEN p_lease > 0 THEN 0 ELSE 1 END,
            rate = t.rate,
            updated_at = now(),
            leased = CASE WHEN p_lease > 0 THEN (CASE WHEN tb.lease_until > now() THEN tb.leased ELSE 0 END) + 1 ELSE tb.leased END,
            lease_until = CASE WHEN p_lease > 0 THEN now() + make_interval(secs => p_lease) ELSE tb.lease_until END
        FROM unnest(p_keys, p_rates) AS t(key, rate)
        WHERE tb.key = t.key;
    END IF;

    RETURN wait;
END
$$;

-- A failed attempt: counted in every bucket, its lease returned.
CREATE FUNCTION throttle_fail(p_keys text[]) RETURNS void LANGUAGE sql AS $$
    WITH locked AS (SELECT key FROM throttle_buckets WHERE key = ANY (p_keys) ORDER BY key FOR UPDATE)
    UPDATE throttle_buckets tb SET
        level = greatest(0, tb.level - extract(epoch FROM now() - tb.updated_at) * tb.rate) + 1,
        updated_at = now(),
        leased = greatest(0, tb.leased - 1)
    FROM locked WHERE tb.key = locked.key;
$$;

-- A successful attempt: p_reset forgets its failures (a correct password ends a run of wrong ones),
-- the other buckets get their lease back and keep their count.
CREATE FUNCTION throttle_release(p_keys text[], p_reset text) RETURNS void LANGUAGE sql AS $$
    WITH locked AS (SELECT key FROM throttle_buckets WHERE key = ANY (p_keys) ORDER BY key FOR UPDATE),
    forgotten AS (DELETE FROM throttle_buckets tb USING locked WHERE tb.key = locked.key AND tb.key = p_reset)
    UPDATE throttle_buckets tb SET leased = greatest(0, tb.leased - 1)
    FROM locked WHERE tb.key = locked.key AND tb.key IS DISTINCT FROM p_reset;
$$;
