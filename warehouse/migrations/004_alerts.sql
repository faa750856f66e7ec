-- 004: delivery bookkeeping of the alerts outbox, and the region of a town.
--
-- A row with status <> 'sent' and claimed_at set is a digest whose process stopped between
-- sending and marking: the next delivery sends that same digest again (same digest_id, same
-- email Message-ID). See warehouse/outbox.py.

ALTER TABLE alerts ADD COLUMN IF NOT EXISTS digest_id VARCHAR;           -- the message it went out in (hash of its alert ids)
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS claimed_at TIMESTAMPTZ;      -- set while a send is in flight
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS last_run_id VARCHAR;         -- the run of the last delivery attempt
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS last_attempt_at TIMESTAMPTZ;

-- Administrative region (admin1, e.g. 'Mopti') of a town; NULL for actors.
ALTER TABLE entities ADD COLUMN IF NOT EXISTS region VARCHAR;
