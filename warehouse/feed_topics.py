"""Which feeds are about Mali, learnt from their own recent decisions (`[[feeds]] topic =
"auto"`): a feed at least half of whose last decided entries were stored (on topic) is
Mali-focused, and the topic gate then fetches its entries when in doubt."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

WINDOW = 50  # the feed's last decided entries looked at
MIN_DECIDED = 10  # fewer: too early to say
MIN_STORED_SHARE = 0.5


def mali_focused_feeds(
    con: duckdb.DuckDBPyConnection,
    feed_urls: Sequence[str],
    *,
    window: int = WINDOW,
    min_decided: int = MIN_DECIDED,
    min_share: float = MIN_STORED_SHARE,
) -> set[str]:
    """The feeds among `feed_urls` whose last `window` decided entries (seen_entries) number
    at least `min_decided` and were stored at least `min_share` of the time."""
    if not feed_urls:
        return set()
    rows = con.execute(
        """
        WITH recent AS (
            SELECT feed_url, decision,
                   row_number() OVER (PARTITION BY feed_url ORDER BY decided_at DESC) AS n
            FROM seen_entries WHERE feed_url IN (SELECT unnest($feeds))
        )
        SELECT feed_url FROM recent WHERE n <= $window GROUP BY feed_url
        HAVING count(*) >= $min_decided
           AND count(*) FILTER (WHERE decision = 'stored') >= $share * count(*)
        """,
        {"feeds": list(feed_urls), "window": window, "min_decided": min_decided,
         "share": min_share},
    ).fetchall()
    return {row[0] for row in rows}
