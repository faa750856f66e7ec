"""Stored MinHash signatures (`article_signatures`) and the duplicate index built from them.

A run loads every signature with one query and builds its index once; new signatures are
written by `store.save_batch` in the same transaction as their articles. Articles without a
usable signature (stored before migration 002, or after a change of the `[dedup]` signature
settings) are signed once here, in chunks, and never again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import duckdb
import numpy as np
import pyarrow as pa

from extractors.dedup import ArticleSignature, DedupSettings, DuplicateIndex
from extractors.shingles import HASH_DTYPE, SignatureParams, signature
from warehouse.arrow import registered
from warehouse.connection import transaction

BACKFILL_CHUNK = 2000  # texts read at once when signing old articles

_MATCHING = (
    "s.num_perm = $num_perm AND s.shingle_size = $shingle_size AND s.seed = $seed "
    "AND s.scheme = $scheme"
)


def _param_values(params: SignatureParams) -> dict[str, object]:
    return {"num_perm": params.num_perm, "shingle_size": params.shingle_size,
            "seed": params.seed, "scheme": params.scheme}


def insert_signatures(
    con: duckdb.DuckDBPyConnection, signatures: Sequence[ArticleSignature]
) -> None:
    """Insert (or replace, keeping the arrival order) signatures, in the given order.
    Call inside the caller's transaction."""
    if not signatures:
        return
    num_perm = {s.signature.params.num_perm for s in signatures}
    if len(num_perm) != 1:
        raise ValueError("one batch of signatures must share num_perm")
    width = num_perm.pop()
    values = np.concatenate([s.signature.hashvalues for s in signatures]).astype(HASH_DTYPE)
    offsets = pa.array(np.arange(0, len(values) + 1, width, dtype=np.int32))
    stamp = datetime.now(UTC)
    batch = pa.table(
        {
            "article_id": [s.article_id for s in signatures],
            "ord": pa.array(range(1, len(signatures) + 1), pa.int64()),
            "num_perm": pa.array([s.signature.params.num_perm for s in signatures], pa.int32()),
            "shingle_size": pa.array([s.signature.params.shingle_size for s in signatures],
                                     pa.int32()),
            "seed": pa.array([s.signature.params.seed for s in signatures], pa.int32()),
            "scheme": [s.signature.params.scheme for s in signatures],
            "token_count": pa.array([s.signature.token_count for s in signatures], pa.int32()),
            "shingle_count": pa.array([s.signature.shingle_count for s in signatures],
                                      pa.int32()),
            "hashvalues": pa.ListArray.from_arrays(offsets, pa.array(values)),
            "computed_at": pa.array([stamp] * len(signatures), pa.timestamp("us", tz="UTC")),
        }
    )
    with registered(con, "signature_batch", batch):
        con.execute(
            """
            INSERT INTO article_signatures (article_id, seq, num_perm, shingle_size, seed, scheme,
                                            token_count, shingle_count, hashvalues, computed_at)
            SELECT article_id, (SELECT coalesce(max(seq), 0) FROM article_signatures) + ord,
                   num_perm, shingle_size, seed, scheme, token_count, shingle_count, hashvalues,
                   computed_at
            FROM signature_batch
            ON CONFLICT (article_id) DO UPDATE SET
                num_perm = excluded.num_perm, shingle_size = excluded.shingle_size,
                seed = excluded.seed, scheme = excluded.scheme,
                token_count = excluded.token_count, shingle_count = excluded.shingle_count,
                hashvalues = excluded.hashvalues, computed_at = excluded.computed_at
            """
        )


def backfill(con: duckdb.DuckDBPyConnection, params: SignatureParams) -> int:
    """Sign the articles that have no signature made with `params`; return how many."""
    missing = [
        row[0]
        for row in con.execute(
            f"SELECT a.article_id FROM articles AS a WHERE NOT EXISTS ("
            f"SELECT 1 FROM article_signatures AS s WHERE s.article_id = a.article_id "
            f"AND {_MATCHING}) ORDER BY a.fetched_at, a.article_id",
            _param_values(params),
        ).fetchall()
    ]
    for start in range(0, len(missing), BACKFILL_CHUNK):
        chunk = missing[start : start + BACKFILL_CHUNK]
        texts = dict(
            con.execute(
                "SELECT article_id, text FROM articles WHERE article_id IN (SELECT unnest(?))",
                [chunk],
            ).fetchall()
        )
        with transaction(con):
            insert_signatures(
                con, [ArticleSignature(a, signature(texts[a], params)) for a in chunk]
            )
    return len(missing)


def load_index(
    con: duckdb.DuckDBPyConnection, settings: DedupSettings | None = None
) -> DuplicateIndex:
    """The duplicate index of everything stored: one query, one bulk build."""
    index = DuplicateIndex(settings)
    backfill(con, index.params)
    table = con.sql(
        f"SELECT s.article_id, a.content_hash, a.duplicate_of, s.token_count, s.hashvalues "
        f"FROM article_signatures AS s JOIN articles AS a USING (article_id) "
        f"WHERE {_MATCHING} ORDER BY s.seq",
        params=_param_values(index.params),
    ).to_arrow_table()
    n, width = table.num_rows, index.params.num_perm
    hashvalues = table["hashvalues"].combine_chunks().flatten().to_numpy()
    index.load(
        table["article_id"].to_pylist(),
        table["content_hash"].to_pylist(),
        table["duplicate_of"].to_pylist(),
        table["token_count"].to_numpy(),
        hashvalues.astype(HASH_DTYPE, copy=False).reshape(n, width),
    )
    return index


def signature_count(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT count(*) FROM article_signatures").fetchall()[0][0])
