-- 001: the warehouse contract of DESIGN.md, plus the bookkeeping a run needs.

CREATE TABLE runs (
    run_id        VARCHAR PRIMARY KEY,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    status        VARCHAR NOT NULL,          -- running | completed | failed
    feeds_polled  INTEGER NOT NULL DEFAULT 0,
    entries_seen  INTEGER NOT NULL DEFAULT 0,
    articles_new  INTEGER NOT NULL DEFAULT 0,
    duplicates    INTEGER NOT NULL DEFAULT 0,
    errors        INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,
    not_modified  INTEGER NOT NULL DEFAULT 0,
    message       VARCHAR
);

CREATE TABLE articles (
    article_id    VARCHAR PRIMARY KEY,
    url           VARCHAR NOT NULL,
    canonical_url VARCHAR NOT NULL UNIQUE,
    feed_url      VARCHAR,
    source        VARCHAR,
    title         VARCHAR,
    author        VARCHAR,
    published_at  TIMESTAMPTZ,
    fetched_at    TIMESTAMPTZ NOT NULL,
    language      VARCHAR,
    text          VARCHAR NOT NULL,
    content_hash  VARCHAR NOT NULL,
    is_seed       BOOLEAN NOT NULL DEFAULT false,
    duplicate_of  VARCHAR,
    similarity    DOUBLE,
    run_id        VARCHAR,
    text_origin   VARCHAR NOT NULL,          -- page | summary | seed
    topic_terms   VARCHAR[]
);

CREATE TABLE entities (
    entity_id         VARCHAR PRIMARY KEY,
    kind              VARCHAR NOT NULL CHECK (kind IN ('actor', 'town')),
    subtype           VARCHAR,
    name              VARCHAR NOT NULL,
    aliases           VARCHAR[],
    first_seen_at     TIMESTAMPTZ NOT NULL,
    first_article_id  VARCHAR,
    in_seed_baseline  BOOLEAN NOT NULL DEFAULT false,
    latitude          DOUBLE,
    longitude         DOUBLE,
    country_code      VARCHAR
);

CREATE TABLE mentions (
    article_id  VARCHAR NOT NULL,
    entity_id   VARCHAR NOT NULL,
    surface     VARCHAR NOT NULL,
    sentence    VARCHAR,
    start_char  INTEGER NOT NULL,
    PRIMARY KEY (article_id, entity_id, start_char)
);

CREATE TABLE alerts (
    alert_id    VARCHAR PRIMARY KEY,
    entity_id   VARCHAR NOT NULL,
    article_id  VARCHAR,
    channel     VARCHAR NOT NULL,
    status      VARCHAR NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  VARCHAR,
    created_at  TIMESTAMPTZ NOT NULL,
    sent_at     TIMESTAMPTZ
);

CREATE TABLE fetch_errors (
    run_id       VARCHAR,
    url          VARCHAR,
    stage        VARCHAR NOT NULL,           -- feed | entry | page | extract | topic | store
    error        VARCHAR NOT NULL,
    occurred_at  TIMESTAMPTZ NOT NULL,
    feed_url     VARCHAR,
    http_status  INTEGER
);

-- Conditional GET state and failure streak of each feed.
CREATE TABLE feed_state (
    feed_url              VARCHAR PRIMARY KEY,
    etag                  VARCHAR,
    last_modified         VARCHAR,
    last_polled_at        TIMESTAMPTZ,
    last_status           VARCHAR,
    consecutive_failures  INTEGER NOT NULL DEFAULT 0,
    last_error            VARCHAR
);

-- Every entry decided once: stored, or skipped for a reason, so it is never fetched again.
CREATE TABLE seen_entries (
    canonical_url  VARCHAR PRIMARY KEY,
    feed_url       VARCHAR,
    url            VARCHAR,
    title          VARCHAR,
    decision       VARCHAR NOT NULL,         -- stored | off_topic
    reason         VARCHAR,
    run_id         VARCHAR,
    decided_at     TIMESTAMPTZ NOT NULL
);
