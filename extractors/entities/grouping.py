"""Grouping candidates into entities.

Known names join by their key, other names by their normalised spelling ("Sévaré" =
"Sevare", "N'Golo" = "Ngolo"); an acronym joins its expansion, "X, known as Y" joins Y to
X; a surname joins the full name seen in the article ("Hollande" -> "François Hollande")
or, failing that, the one known person of that surname. A union-find over the accepted
candidates.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from extractors.entities.acronyms import syllabic
from extractors.entities.aliases import AliasTable
from extractors.entities.candidates import _Cand
from extractors.entities.names import given_name_person, strip_name
from extractors.entities.normalize import norm, norm_tokens, skeleton
from extractors.entities.records import KnownEntity
from extractors.entities.spans import alias_phrases


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass
class _Group:
    cands: list[_Cand]
    known: KnownEntity | None = None

    def surfaces(self, text: str) -> list[str]:
        return [text[c.start : c.end] for c in self.cands]


def _group(accepted: list[_Cand], text: str, pairs: list, aliases: AliasTable) -> list[_Group]:
    n = len(accepted)
    uf = _UnionFind(n)
    by_key: dict[str, int] = {}
    by_span = {(c.start, c.end): i for i, c in enumerate(accepted)}
    for i, cand in enumerate(accepted):
        surface = text[cand.start : cand.end]
        # spelling variants of one name in one article are one entity ("N'Golo"/"Ngolo")
        variant = skeleton(surface) or norm(surface)
        key = cand.known.key if cand.known is not None else "n:" + variant
        if key in by_key:
            uf.union(by_key[key], i)
        else:
            by_key[key] = i
    by_end = {e: i for (_, e), i in by_span.items()}  # accepted spans never overlap
    for pair in pairs:
        a = _span_index(by_span, text, pair.long_start, pair.long_end)
        if a is None:  # the name as found may start earlier or later: "l'Union pour ..."
            a = by_end.get(pair.long_end)
        b = _span_index(by_span, text, pair.short_start, pair.short_end)
        if a is not None and b is not None:
            ka, kb = accepted[a].known, accepted[b].known
            # never join two different known entities
            if ka is None or kb is None or ka.key == kb.key:
                uf.union(a, b)

    # "X, plus connu sous le nom de Y": Y names the X just before, in the same sentence
    for phrase_start, ys, ye in alias_phrases(text):
        alias = _span_index(by_span, text, ys, ye)
        if alias is None:
            continue
        owners = [
            i
            for i, c in enumerate(accepted)
            if c.end <= phrase_start
            and "\n" not in text[c.end : phrase_start]
            and not re.search(r"[.;!?]", text[c.end : phrase_start])
            and phrase_start - c.end <= 60
        ]
        if owners:
            owner = max(owners, key=lambda i: accepted[i].end)
            ko, ka = accepted[owner].known, accepted[alias].known
            if ko is None or ka is None or ko.key == ka.key:
                uf.union(owner, alias)

    # "Comanav" in one sentence, "Compagnie malienne de navigation" in another: a short
    # name that spells a body's long name of the same article, in order, is that body
    bodies = [
        i for i, c in enumerate(accepted)
        if c.known is None and ("org" in c.cues or "org" in c.labels)
        and len(text[c.start : c.end].split()) >= 3
    ]
    for i, c in enumerate(accepted):
        short = text[c.start : c.end]
        if c.known is not None or " " in short or len(short) < 5 or not short[:1].isupper():
            continue
        spelled = {
            uf.find(b)
            for b in bodies
            if b != i and syllabic(short, text[accepted[b].start : accepted[b].end])
        }
        if len(spelled) == 1:
            uf.union(i, spelled.pop())

    def members() -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for i in range(n):
            out.setdefault(uf.find(i), []).append(i)
        return out

    # surname -> full name in the same article
    groups = members()
    persons: list[tuple[tuple[str, ...], int, int]] = []  # (tokens, root, first start)
    for root, idx in groups.items():
        if not _person_like(accepted, idx) and not any(
            given_name_person(text[accepted[i].start : accepted[i].end]) for i in idx
        ):
            continue
        for i in idx:
            toks = norm_tokens(text[accepted[i].start : accepted[i].end])
            if len(toks) >= 2:
                persons.append((toks, root, accepted[i].start))
    for root, idx in groups.items():
        cands = [accepted[i] for i in idx]
        if any(c.known is not None for c in cands) or any("town" in c.cues for c in cands):
            continue
        toks_set = {norm_tokens(text[c.start : c.end]) for c in cands}
        if any(len(t) > 2 for t in toks_set) and not all(
            given_name_person(text[c.start : c.end]) or c.labels.count("person")
            for c in cands
        ):
            continue  # longer names join a fuller one only when they are people's names
        matches = {
            p_root
            for toks in toks_set
            for p_toks, p_root, _ in persons
            if p_root != uf.find(root) and len(p_toks) > len(toks) and p_toks[-len(toks) :] == toks
        }
        if len(matches) == 1:
            uf.union(root, matches.pop())
        elif len(matches) > 1:
            # the nearest full name before the first mention
            first = min(c.start for c in cands)
            before = [(s, r) for toks, r, s in persons if r in matches and s < first]
            if before:
                uf.union(root, max(before)[1])
    out: list[_Group] = []
    for idx in members().values():
        cands = [accepted[i] for i in sorted(idx, key=lambda i: accepted[i].start)]
        known = next((c.known for c in cands if c.known is not None), None)
        group = _Group(cands, known)
        if known is None and _surname_candidate(group, text):
            surface = max(group.surfaces(text), key=len)
            person = aliases.resolve_surname(surface)
            if person is not None:
                group.known = person
        out.append(group)
    return out


def _span_index(by_span: dict[tuple[int, int], int], text: str, s: int, e: int) -> int | None:
    for ps, pe, _ in strip_name(text, s, e, titles=False):
        if (ps, pe) in by_span:
            return by_span[(ps, pe)]
    return None


def _person_like(accepted: list[_Cand], idx: list[int]) -> bool:
    cands = [accepted[i] for i in idx]
    if any(
        c.known is not None and not (c.known.kind == "actor" and c.known.subtype == "person")
        for c in cands
    ):
        return False
    labels = Counter(label for c in cands for label in c.labels)
    cues = set().union(*(c.cues for c in cands))
    if cues & {"town", "town_geo", "armed", "org", "acronym"}:
        return False
    return bool(
        labels["person"] >= max(labels["org"], labels["place"], 1)
        or cues & {"person", "person_weak", "person_name"}
        or any(c.known is not None for c in cands)
    )


def _surname_candidate(group: _Group, text: str) -> bool:
    cues = set().union(*(c.cues for c in group.cands))
    if cues & {"town", "town_geo", "armed", "org", "acronym", "region"}:
        return False
    if any(c.place is not None for c in group.cands):
        return False
    labels = {label for c in group.cands for label in c.labels}
    return bool(labels & {"person", "org"} or cues & {"person", "speech", "person_weak"}) and all(
        len(norm_tokens(s)) <= 2 for s in group.surfaces(text)
    )
