"""Duplicate detection. A duplicate is stored, not dropped: `duplicate_of` names the
earliest original and `similarity` the estimated Jaccard (1.0 for an exact copy)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from extractors.models import Article


def mark_exact_duplicates(articles: Sequence[Article], stored: Mapping[str, str]) -> int:
    """Mark articles whose content hash matches a stored original or an earlier article of
    the same batch. `stored` maps content_hash -> article_id of stored originals.
    Returns how many were marked."""
    originals = dict(stored)
    marked = 0
    for article in articles:
        original = originals.get(article.content_hash)
        if original is not None and original != article.article_id:
            article.duplicate_of = original
            article.similarity = 1.0
            marked += 1
        else:
            originals.setdefault(article.content_hash, article.article_id)
    return marked
