-- 006: pages tried again in later runs (extractors/retry_queue.py). One row per entry whose
-- page failed, keyed like seen_entries: a failure that may pass (timeout, 429, 5xx, a reset,
-- an unresolved host) is 'retrying' and tried by a later run (the next one, then every 2nd,
-- 4th ... run, after next_try_at when a Retry-After asked for it) until it is read ('done':
-- an article stored from its summary is then upgraded to its page) or [fetch] page_retries
-- more tries have failed ('gave_up'); a permanent failure (404, 410, not HTML, refused) is
-- 'gave_up' at once. The entry is kept here, so a retry does not need the feed to list it.

CREATE TABLE IF NOT EXISTS page_attempts (
    canonical_url    VARCHAR PRIMARY KEY,    -- the entry's key (seen_entries.canonical_url)
    feed_url         VARCHAR,
    url              VARCHAR NOT NULL,
    title            VARCHAR,
    summary          VARCHAR,                -- the feed summary, for a retry without the feed
    published_at     TIMESTAMPTZ,
    author           VARCHAR,
    language         VARCHAR,
    source           VARCHAR,
    doubt            VARCHAR,                -- in doubt: why (the page decides); NULL: on topic
    trusted          BOOLEAN NOT NULL DEFAULT false,  -- a topic = "all" feed's entry
    attempts         INTEGER NOT NULL,       -- tries of the page so far
    last_error       VARCHAR,
    last_status      INTEGER,                -- HTTP status of the last failure, if any
    first_tried_at   TIMESTAMPTZ NOT NULL,
    last_tried_at    TIMESTAMPTZ NOT NULL,
    last_run_id      VARCHAR,
    runs_to_wait     INTEGER NOT NULL DEFAULT 0,  -- runs to let pass before the next try
    next_try_at      TIMESTAMPTZ,            -- not before (a Retry-After); NULL: any due run
    state            VARCHAR NOT NULL,       -- retrying | gave_up | done
    text_origin      VARCHAR,                -- of the stored article: summary | page; NULL: none
    article_id       VARCHAR                 -- the stored article, if any
);
