"""Duplicate detection, exact and near, against everything stored and the batch in hand.

A duplicate is stored, not dropped: `duplicate_of` names the earliest original (never
another copy) and `similarity` the estimated Jaccard of word shingles (1.0 for an exact
copy). Rules, in order, for each article of a batch:

1. already in the index (same article id): left alone, the warehouse keeps the stored row;
2. exact: same content hash as an earlier article -> a copy of that article's original;
3. near: both texts have at least `min_tokens` words, and among the LSH candidates the one
   with the highest estimated Jaccard >= `threshold` (tie: the earliest) -> a copy of its
   original. Short texts (feed summaries) only ever match exactly: one-sentence briefs
   about different events share most of their words (19% of templated pairs reach 0.5);
4. otherwise an original. Every article then joins the index, so later articles of the same
   batch are compared with it.

The LSH is banded MinHash (datasketch computes the signatures). The bands live in one sorted
numpy array instead of datasketch's `MinHashLSH`, which needs 1.4 GB and ~40 s to hold 100k
articles (a dict of sets per band); this one needs ~120 MB and about a second, so it can be
rebuilt from the stored signatures at the start of every run (BENCHMARKS.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from extractors.models import Article
from extractors.shingles import HASH_DTYPE, SignatureParams, TextSignature, signature

LSH_RECALL = 0.98  # wanted chance that a pair at exactly the threshold becomes a candidate
_TAIL_MIN = 1024  # new band keys searched linearly until this many, then merged and sorted


@dataclass(frozen=True)
class DedupSettings:
    """The `[dedup]` configuration; defaults measured in BENCHMARKS.md."""

    threshold: float = 0.5
    num_perm: int = 128
    shingle_size: int = 3
    min_tokens: int = 60

    @property
    def params(self) -> SignatureParams:
        return SignatureParams(num_perm=self.num_perm, shingle_size=self.shingle_size)


@dataclass(frozen=True)
class ArticleSignature:
    """A signature to persist in `article_signatures`."""

    article_id: str
    signature: TextSignature


@dataclass(frozen=True)
class Match:
    original_id: str  # the story's original (chains already followed)
    matched_id: str  # the article the text matched (the original or one of its copies)
    similarity: float
    exact: bool


@dataclass(frozen=True)
class DuplicateMark:
    """The decision for one article: a copy of `duplicate_of` (the story's original) at
    `similarity`, or an original (both None)."""

    duplicate_of: str | None = None
    similarity: float | None = None


@dataclass
class DedupOutcome:
    """What `DuplicateIndex.mark` decided for a batch: a mark per article it compared
    (article id -> `DuplicateMark`) and the signatures to store with them."""

    signatures: list[ArticleSignature] = field(default_factory=list)
    marks: dict[str, DuplicateMark] = field(default_factory=dict)
    exact: int = 0
    near: int = 0

    @property
    def duplicates(self) -> int:
        return self.exact + self.near

    def apply(self, articles: Sequence[Article]) -> list[Article]:
        """The articles with their marks, as new objects (`dataclasses.replace`); an article
        without a mark (already in the index) comes back as it is."""
        return [
            replace(a, duplicate_of=mark.duplicate_of, similarity=mark.similarity)
            if (mark := self.marks.get(a.article_id)) is not None else a
            for a in articles
        ]


@lru_cache(maxsize=32)
def band_params(threshold: float, num_perm: int, recall: float = LSH_RECALL) -> tuple[int, int]:
    """(bands, rows per band): the longest bands (fewest chance candidates) that still make a
    pair at the threshold a candidate with probability >= `recall`. Candidates are then
    filtered on their estimated Jaccard, so a false candidate costs one vector comparison,
    while a missed candidate is a copy shown as a new story."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if 1.0 - (1.0 - threshold**rows) ** bands >= recall:
            best = (bands, rows)
    return best


_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_STEP = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray, scratch: np.ndarray) -> None:
    """splitmix64 finaliser, in place (wrapping arithmetic): spreads a band's values over
    64 bits. In place because band keys for 100k articles are millions of values."""
    for shift, factor in ((30, _MIX_1), (27, _MIX_2), (31, None)):
        np.right_shift(x, np.uint64(shift), out=scratch)
        x ^= scratch
        if factor is not None:
            x *= factor


def band_keys(hashvalues: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per band, salted by the band number so that all bands can share one
    sorted array. `hashvalues` is (n, num_perm); the result is (n, bands)."""
    n = hashvalues.shape[0]
    values = hashvalues[:, : bands * rows].reshape(n, bands, rows)
    keys = np.empty((n, bands), dtype=np.uint64)
    keys[:] = np.arange(bands, dtype=np.uint64) * _STEP
    scratch = np.empty_like(keys)
    for j in range(rows):
        keys ^= values[:, :, j]
        _mix(keys, scratch)
    return keys


class _BandTable:
    """Banded LSH buckets: sorted (key, slot) arrays plus a small unsorted tail of recent
    inserts, so building is one sort and a query a few binary searches."""

    def __init__(self, bands: int) -> None:
        self.bands = bands
        self._keys = np.empty(0, dtype=np.uint64)
        self._slots = np.empty(0, dtype=np.int32)
        self._tail_keys = np.empty((_TAIL_MIN, bands), dtype=np.uint64)
        self._tail_slots = np.empty(_TAIL_MIN, dtype=np.int32)
        self._tail = 0

    def extend(self, keys: np.ndarray, first_slot: int) -> None:
        """Add rows of keys (n, bands) for slots first_slot, first_slot + 1, ..."""
        n = keys.shape[0]
        if n == 0:
            return
        slots = np.arange(first_slot, first_slot + n, dtype=np.int32)
        if self._tail + n > self._tail_keys.shape[0]:
            self._merge(keys, slots)
            return
        self._tail_keys[self._tail : self._tail + n] = keys
        self._tail_slots[self._tail : self._tail + n] = slots
        self._tail += n

    def _merge(self, keys: np.ndarray, slots: np.ndarray) -> None:
        all_keys = np.concatenate(
            [self._keys, self._tail_keys[: self._tail].ravel(), keys.ravel()]
        )
        all_slots = np.concatenate(
            [self._slots, np.repeat(self._tail_slots[: self._tail], self.bands),
             np.repeat(slots, self.bands)]
        )
        order = np.argsort(all_keys)  # order within a bucket is irrelevant: slots are a set
        self._keys, self._slots = all_keys[order], all_slots[order]
        self._tail = 0
        # the tail grows with the table: a merge (one sort) every n/64 inserts stays cheap
        # per insert, and a linear scan of n/64 rows stays cheap per query
        size = max(_TAIL_MIN, len(self._keys) // (64 * self.bands))
        self._tail_keys = np.empty((size, self.bands), dtype=np.uint64)
        self._tail_slots = np.empty(size, dtype=np.int32)

    def candidates(self, keys: np.ndarray) -> np.ndarray:
        """Slots sharing at least one band key with `keys` (shape (bands,))."""
        found = []
        if len(self._keys):
            lo = np.searchsorted(self._keys, keys, side="left")
            hi = np.searchsorted(self._keys, keys, side="right")
            for start, stop in zip(lo[hi > lo], hi[hi > lo], strict=True):
                found.append(self._slots[start:stop])
        if self._tail:
            hits = (self._tail_keys[: self._tail] == keys).any(axis=1)
            found.append(self._tail_slots[: self._tail][hits])
        if not found:
            return np.empty(0, dtype=np.int32)
        return np.unique(np.concatenate(found))

    @property
    def nbytes(self) -> int:
        return (self._keys.nbytes + self._slots.nbytes + self._tail_keys.nbytes
                + self._tail_slots.nbytes)


class DuplicateIndex:
    """Every stored article's content hash, story and (for long enough texts) signature.

    One per run: built from the warehouse at flow start, then fed each batch in order.
    Not thread-safe; the flow's single writer uses it.
    """

    def __init__(self, settings: DedupSettings | None = None) -> None:
        self.settings = settings or DedupSettings()
        self.params = self.settings.params
        self.bands, self.rows = band_params(self.settings.threshold, self.settings.num_perm)
        self._table = _BandTable(self.bands)
        self._parent: dict[str, str] = {}  # copy -> the original it points to
        self._known: set[str] = set()
        self._by_hash: dict[str, str] = {}  # content hash -> first article with it
        self._ids: list[str] = []  # slot -> article id, in arrival order
        self._sigs = np.empty((0, self.settings.num_perm), dtype=HASH_DTYPE)

    def __len__(self) -> int:
        return len(self._known)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._known

    @property
    def indexed(self) -> int:
        """How many articles are in the LSH (long enough for near-duplicate matching)."""
        return len(self._ids)

    # --- loading --------------------------------------------------------------------

    def load(
        self,
        article_ids: Sequence[str],
        content_hashes: Sequence[str],
        duplicate_of: Sequence[str | None],
        token_counts: Sequence[int] | np.ndarray,
        hashvalues: np.ndarray,
    ) -> None:
        """Add stored articles in arrival order, in bulk (one sort for the whole history).
        `hashvalues` is (n, num_perm), one row per article, made with `self.params`."""
        if hashvalues.shape != (len(article_ids), self.settings.num_perm):
            raise ValueError(
                f"expected signatures of shape ({len(article_ids)}, {self.settings.num_perm}), "
                f"got {hashvalues.shape}"
            )
        for article_id, digest, parent in zip(
            article_ids, content_hashes, duplicate_of, strict=True
        ):
            self._remember(article_id, digest, parent)
        eligible = np.asarray(token_counts) >= self.settings.min_tokens
        self._index_rows([a for a, ok in zip(article_ids, eligible, strict=True) if ok],
                         hashvalues[eligible])

    def _remember(self, article_id: str, digest: str, parent: str | None) -> None:
        self._known.add(article_id)
        self._by_hash.setdefault(digest, article_id)
        if parent and parent != article_id:
            self._parent[article_id] = parent

    def _index_rows(self, article_ids: Sequence[str], hashvalues: np.ndarray) -> None:
        if not len(article_ids):
            return
        first = len(self._ids)
        self._ids.extend(article_ids)
        needed = first + len(article_ids)
        if needed > self._sigs.shape[0]:
            grown = np.empty((max(needed, 2 * self._sigs.shape[0], 64),
                              self.settings.num_perm), dtype=HASH_DTYPE)
            grown[:first] = self._sigs[:first]
            self._sigs = grown
        self._sigs[first:needed] = hashvalues
        self._table.extend(band_keys(hashvalues, self.bands, self.rows), first)

    # --- answers --------------------------------------------------------------------

    def original_of(self, article_id: str) -> str:
        """Follow `duplicate_of` links to the story's original (guarding against cycles)."""
        seen = {article_id}
        current = article_id
        while (parent := self._parent.get(current)) is not None and parent not in seen:
            seen.add(parent)
            current = parent
        return current

    def find(self, text_signature: TextSignature, content_hash: str) -> Match | None:
        """The story this text is a copy of, or None for a new story."""
        exact = self._by_hash.get(content_hash)
        if exact is not None:
            return Match(self.original_of(exact), exact, 1.0, exact=True)
        if text_signature.token_count < self.settings.min_tokens or not self._ids:
            return None
        if text_signature.params != self.params:
            raise ValueError("signature made with other parameters than this index")
        values = text_signature.hashvalues
        slots = self._table.candidates(band_keys(values[None, :], self.bands, self.rows)[0])
        if not len(slots):
            return None
        similarity = (self._sigs[slots] == values).mean(axis=1)
        best = float(similarity.max())
        if best < self.settings.threshold:
            return None
        slot = int(slots[similarity == best].min())  # the earliest among the most similar
        matched = self._ids[slot]
        return Match(self.original_of(matched), matched, best, exact=False)

    def add(self, article_id: str, content_hash: str, text_signature: TextSignature,
            duplicate_of: str | None) -> None:
        """Make an article visible to later lookups."""
        self._remember(article_id, content_hash, duplicate_of)
        if text_signature.token_count >= self.settings.min_tokens:
            self._index_rows([article_id], text_signature.hashvalues[None, :])

    def mark(self, articles: Sequence[Article]) -> DedupOutcome:
        """Decide, in order, whether each new article of a batch is a copy
        (`DedupOutcome.marks`; the articles are not changed: `DedupOutcome.apply` makes
        marked copies) and return the signatures to store with them. If the batch is then
        not stored, discard the index: it already holds the batch."""
        outcome = DedupOutcome()
        for article in articles:
            if article.article_id in self._known:
                continue
            text_signature = signature(article.text, self.params)
            match = self.find(text_signature, article.content_hash)
            mark = DuplicateMark()
            if match is not None:
                mark = DuplicateMark(match.original_id, match.similarity)
                if match.exact:
                    outcome.exact += 1
                else:
                    outcome.near += 1
            self.add(article.article_id, article.content_hash, text_signature, mark.duplicate_of)
            outcome.marks[article.article_id] = mark
            outcome.signatures.append(ArticleSignature(article.article_id, text_signature))
        return outcome

    def mark_upgrades(self, articles: Sequence[Article]) -> DedupOutcome:
        """Marks for articles whose stored summary text is replaced by their page (same
        article id, already in the index): the new text is compared with everything else
        (never with the article's own summary) and joins the index; its signatures replace
        the stored ones. `exact`/`near` stay 0: an upgrade is no new article."""
        outcome = DedupOutcome()
        for article in articles:
            text_signature = signature(article.text, self.params)
            match = self.find(text_signature, article.content_hash)
            mark = DuplicateMark()
            if match is not None and article.article_id not in (match.original_id,
                                                                match.matched_id):
                mark = DuplicateMark(match.original_id, match.similarity)
            self.add(article.article_id, article.content_hash, text_signature, mark.duplicate_of)
            outcome.marks[article.article_id] = mark
            outcome.signatures.append(ArticleSignature(article.article_id, text_signature))
        return outcome

    @property
    def nbytes(self) -> int:
        """Bytes held in numpy arrays (signatures and bands); ids and hashes come on top."""
        return self._sigs.nbytes + self._table.nbytes
