-- 005: feed backoff. A feed that keeps failing is polled less often (extractors/backoff.py):
-- each failed poll stores when the feed may be polled again; a run skips the feeds whose time
-- has not come and counts them in runs.backed_off. A successful poll clears it.

ALTER TABLE feed_state ADD COLUMN IF NOT EXISTS next_poll_at TIMESTAMPTZ;  -- NULL: any run polls it
ALTER TABLE feed_state ADD COLUMN IF NOT EXISTS retry_after_s DOUBLE;      -- the last 429/503 Retry-After, seconds

ALTER TABLE runs ADD COLUMN IF NOT EXISTS backed_off INTEGER DEFAULT 0;     -- feeds skipped as backed off
