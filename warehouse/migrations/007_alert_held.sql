-- 007: [entities] min_sources. A weak new entity (a model-only guess, confidence below
-- NoveltySettings.strong_confidence) named by fewer sources than min_sources is stored with
-- its mentions but not alerted: it is held. After each batch is stored, a held entity whose
-- mentions come from enough distinct sources (the feed's name, else its host; seeds and
-- copies do not count) gets its alert queued and is held no longer
-- (warehouse/entities.py release_held_alerts).

ALTER TABLE entities ADD COLUMN IF NOT EXISTS alert_held BOOLEAN DEFAULT false;  -- true: alert waits for more sources
