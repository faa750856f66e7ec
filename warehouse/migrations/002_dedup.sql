-- 002: near-duplicate detection. MinHash signatures are kept so a run rebuilds its LSH index
-- from them instead of re-reading every text; `story_copies` lists each original's copies.

-- One signature per article (seeds included), written in the same transaction as the article.
-- A signature compares only with one made under the same num_perm, shingle_size, seed and
-- scheme; after a change of [dedup] settings the next run recomputes and replaces them.
CREATE TABLE article_signatures (
    article_id     VARCHAR PRIMARY KEY,      -- articles.article_id
    seq            BIGINT NOT NULL,          -- arrival order: "earliest" among equal matches
    num_perm       INTEGER NOT NULL,
    shingle_size   INTEGER NOT NULL,         -- words per shingle
    seed           INTEGER NOT NULL,
    scheme         VARCHAR NOT NULL,         -- permutations + input hash ('affine32+crc32')
    token_count    INTEGER NOT NULL,         -- words after normalisation
    shingle_count  INTEGER NOT NULL,         -- distinct shingles
    hashvalues     UINTEGER[] NOT NULL,      -- the MinHash signature, num_perm values
    computed_at    TIMESTAMPTZ NOT NULL
);

-- Each original with its copies: one row per copy. `match` is 'exact' for the same
-- normalised text, 'near' for an estimated Jaccard >= [dedup] threshold.
CREATE VIEW story_copies AS
SELECT
    o.article_id    AS original_id,
    o.title         AS original_title,
    o.url           AS original_url,
    o.source        AS original_source,
    o.is_seed       AS original_is_seed,
    o.published_at  AS original_published_at,
    o.fetched_at    AS original_fetched_at,
    c.article_id    AS copy_id,
    c.title         AS copy_title,
    c.url           AS copy_url,
    c.source        AS copy_source,
    c.published_at  AS copy_published_at,
    c.fetched_at    AS copy_fetched_at,
    c.similarity    AS similarity,
    CASE WHEN c.content_hash = o.content_hash THEN 'exact' ELSE 'near' END AS match,
    count(*) OVER (PARTITION BY o.article_id) AS copies,
    c.run_id        AS copy_run_id
FROM articles AS c
JOIN articles AS o ON o.article_id = c.duplicate_of;
