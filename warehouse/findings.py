"""What one run left in the warehouse, as the demo reports it: the copies it found, the
new actors and towns, and the alerts. The same SQL a user would type with `mali-monitor
query` (the demo's closing guide shows some of it)."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

__all__ = ["Copy", "Findings", "NewEntity", "read_findings"]


@dataclass(frozen=True)
class Copy:
    original_title: str
    original_source: str
    original_is_seed: bool
    copy_title: str
    copy_source: str
    match: str
    similarity: float | None


@dataclass(frozen=True)
class NewEntity:
    kind: str
    subtype: str | None
    name: str
    region: str | None
    article_title: str | None
    source: str | None


@dataclass
class Findings:
    copies: list[Copy] = field(default_factory=list)
    copies_total: int = 0
    entities: list[NewEntity] = field(default_factory=list)
    entities_total: int = 0  # not in the seed baseline, all runs
    alerts_by_status: dict[str, int] = field(default_factory=dict)


_COPIES = """
    select original_title, original_source, original_is_seed, copy_title, copy_source,
           match, similarity
    from story_copies where copy_run_id = ? order by original_title, copy_title"""
_NEW_ENTITIES = """
    select e.kind, e.subtype, e.name, e.region, a.title, a.source
    from entities e left join articles a on a.article_id = e.first_article_id
    where not e.in_seed_baseline
      and (a.run_id = ? or e.first_seen_at >= (select started_at from runs where run_id = ?))
    order by e.kind, e.name"""


def read_findings(con: duckdb.DuckDBPyConnection, run_id: str) -> Findings:
    """The copies and new entities of run `run_id`, with the totals of all runs."""
    copies = [
        Copy(str(r[0] or "(untitled)"), str(r[1] or ""), bool(r[2]), str(r[3] or "(untitled)"),
             str(r[4] or ""), str(r[5]), r[6])
        for r in con.execute(_COPIES, [run_id]).fetchall()
    ]
    entities = [
        NewEntity(str(r[0]), r[1], str(r[2]), r[3], r[4], r[5])
        for r in con.execute(_NEW_ENTITIES, [run_id, run_id]).fetchall()
    ]
    copies_total, entities_total = con.execute(
        "select (select count(*) from articles where duplicate_of is not null), "
        "(select count(*) from entities where not in_seed_baseline)"
    ).fetchall()[0]
    by_status = con.execute("select status, count(*) from alerts group by status").fetchall()
    return Findings(copies, int(copies_total), entities, int(entities_total), dict(by_status))
