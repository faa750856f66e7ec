"""Word shingles and MinHash signatures: the text side of near-duplicate detection.

A reprint keeps most word sequences of the original, a rewrite about the same event does
not, so sets of overlapping word k-grams ("shingles") separate the two, and MinHash turns
each set into a fixed-size signature whose agreement estimates their Jaccard similarity.
Words are those of `fingerprints.normalised_for_hash` (NFC, case-folded, punctuation
dropped), so a copy that only changes quotes, dashes or case shingles the same.

Signatures are persisted, so everything that shapes them (`num_perm`, `shingle_size`, the
seed and datasketch's permutation scheme) is part of `SignatureParams`: a signature is only
ever compared with one made under the same parameters.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from extractors.fingerprints import normalised_for_hash

# datasketch >= 2.0 "affine32": each input hash goes through the murmur3 finaliser, then 32-bit
# affine permutations; values are uint32. The input hash is CRC-32 (C speed, the same in every
# process), not datasketch's default SHA-1: half the signing time, and the finaliser gives the
# mixing SHA-1 would. Both are part of a stored signature's identity.
DATASKETCH_SCHEME = "affine32"
SCHEME = "affine32+crc32"
SEED = 1
HASH_DTYPE = np.uint32


@dataclass(frozen=True)
class SignatureParams:
    """What a stored signature was computed with; two signatures compare only when equal."""

    num_perm: int = 128
    shingle_size: int = 3
    seed: int = SEED
    scheme: str = SCHEME


@dataclass(frozen=True)
class TextSignature:
    """A text's MinHash signature and the sizes the dedup rules look at."""

    params: SignatureParams
    token_count: int  # words after normalisation
    shingle_count: int  # distinct shingles (the size of the set the signature estimates)
    hashvalues: np.ndarray  # shape (num_perm,), dtype uint32


def tokens(text: str) -> list[str]:
    return normalised_for_hash(text).split()


def shingles(words: list[str], size: int) -> set[bytes]:
    """Distinct word `size`-grams; a text shorter than `size` is one shingle of all its words."""
    if not words:
        return set()
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")}
    return {" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> np.ndarray:
    """datasketch draws the permutations from a seeded RNG on every MinHash; draw them once."""
    from datasketch import MinHash  # here: importing datasketch imports scipy (0.5 s)

    return MinHash(num_perm=num_perm, seed=seed, scheme=DATASKETCH_SCHEME).permutations


def signature(text: str, params: SignatureParams) -> TextSignature:
    """MinHash signature of a text's word shingles."""
    if params.scheme != SCHEME:
        raise ValueError(f"unsupported MinHash scheme {params.scheme!r} (only {SCHEME!r})")
    from datasketch import MinHash  # here: a run with nothing new never signs anything

    words = tokens(text)
    grams = shingles(words, params.shingle_size)
    minhash = MinHash(
        num_perm=params.num_perm,
        seed=params.seed,
        hashfunc=zlib.crc32,
        permutations=_permutations(params.num_perm, params.seed),
        scheme=DATASKETCH_SCHEME,
    )
    minhash.update_batch(grams)
    values = np.asarray(minhash.hashvalues, dtype=HASH_DTYPE)
    return TextSignature(params, len(words), len(grams), values)


def exact_jaccard(a: str, b: str, size: int) -> float:
    """Jaccard of two texts' shingle sets, computed exactly (for measurements and tests)."""
    left, right = shingles(tokens(a), size), shingles(tokens(b), size)
    if not left and not right:
        return 1.0
    return len(left & right) / len(left | right)
