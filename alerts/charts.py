"""The map and the timeline, drawn on the server with matplotlib (`Figure` objects: no
pyplot, no display): the map of Mali and its neighbours with the towns of a period or a run,
and the timeline. Each is an inline `<svg>` element (text kept as text, no font, image or
script fetched; element ids prefixed so several figures share one page) for the HTML report,
or a PNG for the email digest and the run's Prefect artifact.

Here, not in `flows`, so that `alerts` (the email digest) and `flows` (the report, the run
summary) both use it: nothing in `alerts` imports `flows`. Pure drawing: no SQL, no I/O but
the bundled outlines.

Country outlines: Natural Earth (public domain) via the npm package world-atlas, simplified
and shipped in `alerts/chart_data/sahel_countries.geojson`; nothing is fetched at run time.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Sequence
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

from matplotlib import rc_context
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import MaxNLocator

from warehouse.report_queries import DayCount, TownPoint

GEOJSON = "sahel_countries.geojson"
# Mali with a margin: the smallest frame of the map (lon_min, lon_max, lat_min, lat_max).
MALI_FRAME = (-14.5, 5.5, 9.0, 26.0)
# The largest: towns farther away are listed, not drawn.
MAX_FRAME = (-25.0, 25.0, 0.0, 38.0)

INK, MUTED, GRID = "#1f2933", "#6b7280", "#e5e7eb"
NEW_TOWN, KNOWN_TOWN = "#c0392b", "#2f6f9f"
ORIGINALS, COPIES, ACTORS, TOWNS = "#2f6f9f", "#9db9d3", "#8e44ad", "#c0392b"
FILL = {"focus": "#f6e7c1", "neighbour": "#eef0f2", "context": "#f7f8f9"}
SEA = "#dbe9f4"

_RC = {
    "svg.fonttype": "none",  # text stays text: no glyph paths, no font files
    "svg.hashsalt": "mali-monitor",  # stable ids: the same data gives the same SVG
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 9,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
}


@cache
def countries() -> list[dict[str, Any]]:
    """The bundled country outlines (GeoJSON features)."""
    data = resources.files("alerts") / "chart_data" / GEOJSON
    return json.loads(data.read_text(encoding="utf-8"))["features"]


# --- SVG output ------------------------------------------------------------------------------

_ID = re.compile(r'\bid="([^"]+)"')
_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)


def _svg(fig: Figure, prefix: str, title: str) -> str:
    """The figure as an inline <svg> element: no XML prologue or DOCTYPE, no metadata, every
    id prefixed (several figures on one page), a <title> for screen readers."""
    buffer = io.StringIO()
    with rc_context(_RC):  # type: ignore[arg-type]  # keys checked by matplotlib at run time
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = _METADATA.sub("", _PROLOGUE.sub("", buffer.getvalue(), count=1))
    for name in set(_ID.findall(text)):
        new = f"{prefix}-{name}"
        text = text.replace(f'id="{name}"', f'id="{new}"')
        text = text.replace(f"#{name})", f"#{new})").replace(f'#{name}"', f'#{new}"')
    text = text.replace("<svg ", f'<svg role="img" aria-label="{_attr(title)}" ', 1)
    return text.strip()


def _attr(text: str) -> str:
    from html import escape

    return escape(text, quote=True)


def _png(fig: Figure, dpi: int = 100) -> bytes:
    buffer = io.BytesIO()
    with rc_context(_RC):  # type: ignore[arg-type]  # keys checked by matplotlib at run time
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


# --- the map ---------------------------------------------------------------------------------


def _frame(points: Sequence[tuple[float, float]]) -> tuple[float, float, float, float]:
    lon0, lon1, lat0, lat1 = MALI_FRAME
    for lon, lat in points:
        lon0, lon1 = min(lon0, lon - 1.5), max(lon1, lon + 1.5)
        lat0, lat1 = min(lat0, lat - 1.0), max(lat1, lat + 1.0)
    m = MAX_FRAME
    return max(lon0, m[0]), min(lon1, m[1]), max(lat0, m[2]), min(lat1, m[3])


def on_map(town: TownPoint) -> bool:
    """Whether the map can show this town (it has coordinates within the map's reach)."""
    if town.latitude is None or town.longitude is None:
        return False
    lon0, lon1, lat0, lat1 = MAX_FRAME
    return lon0 <= town.longitude <= lon1 and lat0 <= town.latitude <= lat1


def _polygon_path(polygon: list[list[list[float]]]) -> MplPath:
    vertices: list[list[float]] = []
    codes: list[Any] = []  # matplotlib's uint8 path codes
    for ring in polygon:
        vertices += ring
        codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 2) + [MplPath.CLOSEPOLY]
    return MplPath(vertices, codes)


def _label_point(feature: dict[str, Any]) -> tuple[float, float]:
    """The centre of the bounding box of the country's largest polygon."""
    largest = max(feature["geometry"]["coordinates"], key=lambda p: len(p[0]))
    xs = [x for x, _ in largest[0]]
    ys = [y for _, y in largest[0]]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


# Where each country's name goes (inside Mali's frame where possible).
_LABEL_AT = {"ML": (-2.5, 18.5), "DZ": (1.5, 25.3), "NE": (4.4, 14.0), "MR": (-10.5, 20.5),
             "SN": (-13.1, 13.5), "BF": (-1.6, 12.3), "GN": (-10.9, 10.4), "CI": (-5.5, 9.5)}


LABEL_PT = 8.5
# Where a town's name goes, tried in this order: (dx, dy) in points from the dot, alignment.
_OFFSETS = ((7, 0, "left"), (-7, 0, "right"), (5, 9, "left"), (-5, 9, "right"),
            (5, -9, "left"), (-5, -9, "right"), (0, 13, "center"), (0, -13, "center"))


def _place_labels(
    towns: Sequence[TownPoint], to_points: Any
) -> list[tuple[TownPoint, tuple[float, float, str]]]:
    """A place for each town's name that overlaps no other name and no dot, when there is
    one (greedy: new towns and the most named first); else the first place tried."""
    dots = [to_points(t.longitude, t.latitude) for t in towns]
    taken = [(x - 4, y - 4, x + 4, y + 4) for x, y in dots]
    placed: list[tuple[TownPoint, tuple[float, float, str]]] = []
    for town in sorted(towns, key=lambda t: (not t.is_new, -t.articles, t.name)):
        x, y = to_points(town.longitude, town.latitude)
        w, h = 0.6 * LABEL_PT * len(town.name) + 3, LABEL_PT + 3
        choice: tuple[float, float, str] = _OFFSETS[0]
        box = None
        for dx, dy, ha in _OFFSETS:
            left = x + dx - (w if ha == "right" else w / 2 if ha == "center" else 0)
            candidate = (left, y + dy - h / 2, left + w, y + dy + h / 2)
            if not any(_overlap(candidate, other) for other in taken):
                choice, box = (dx, dy, ha), candidate
                break
        if box is not None:
            taken.append(box)
        placed.append((town, choice))
    return placed


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def map_figure(
    towns: Sequence[TownPoint], *, width_in: float = 7.5, period: str = "the period"
) -> Figure:
    """Mali and its neighbours; the towns with coordinates as dots (new ones red, sized by
    the number of articles naming them), each labelled. `period` names, in the legend,
    what "new" and "named" refer to ("the period", "this run")."""
    shown = [t for t in towns if on_map(t)]
    lon0, lon1, lat0, lat1 = _frame([(t.longitude, t.latitude) for t in shown])  # type: ignore[misc]
    aspect = 1 / math.cos(math.radians((lat0 + lat1) / 2))  # equirectangular, true at mid-lat
    height_in = width_in * (lat1 - lat0) * aspect / (lon1 - lon0)
    fig = Figure(figsize=(width_in, height_in))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(aspect)
    ax.set_facecolor(SEA)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color(MUTED)
    for feature in countries():
        role = feature["properties"]["role"]
        for polygon in feature["geometry"]["coordinates"]:
            ax.add_patch(PathPatch(
                _polygon_path(polygon), facecolor=FILL[role],
                edgecolor=INK if role == "focus" else "#9aa5b1",
                linewidth=1.3 if role == "focus" else 0.6, zorder=2 if role == "focus" else 1,
            ))
        code = feature["properties"]["iso_a2"]
        x, y = _LABEL_AT.get(code) or _label_point(feature)
        if lon0 < x < lon1 and lat0 < y < lat1 and role != "context":
            ax.text(x, y, feature["properties"]["name"].upper(), ha="center", va="center",
                    color="#8a6d1f" if role == "focus" else "#9aa5b1",
                    fontsize=11 if role == "focus" else 8, fontweight="bold", zorder=3,
                    parse_math=False)
    most = max((t.articles for t in shown), default=1) or 1
    scale = width_in * 72 / (lon1 - lon0)  # points per degree of longitude (and of latitude
    # times `aspect`): the figure is exactly the frame's shape, so no axes resizing
    labels = _place_labels(shown, lambda lon, lat: ((lon - lon0) * scale,
                                                     (lat - lat0) * scale * aspect))
    for town in sorted(shown, key=lambda t: (t.is_new, t.articles)):
        size = 30 + 90 * (town.articles / most)
        color = NEW_TOWN if town.is_new else KNOWN_TOWN
        assert town.longitude is not None and town.latitude is not None  # shown: placed
        ax.scatter([town.longitude], [town.latitude], s=size, c=color,
                   marker="o" if town.is_new else "s", edgecolors="white", linewidths=0.8,
                   zorder=5)
    for town, (dx, dy, ha) in labels:
        ax.annotate(town.name, (town.longitude, town.latitude), xytext=(dx, dy),  # type: ignore[arg-type]
                    textcoords="offset points", fontsize=LABEL_PT, color=INK, ha=ha,
                    va="center", fontweight="bold" if town.is_new else "normal", zorder=6,
                    parse_math=False, annotation_clip=True,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                          "alpha": 0.75})
    handles = [
        ax.scatter([], [], s=50, c=NEW_TOWN, marker="o", edgecolors="white",
                   label=f"new town (first seen in {period})"),
        ax.scatter([], [], s=50, c=KNOWN_TOWN, marker="s", edgecolors="white",
                   label=f"known town named in {period}"),
    ]
    ax.legend(handles=handles, loc="upper left", fontsize=8, framealpha=0.9,
              title="dot size: articles naming the town", title_fontsize=7.5)
    ax.text(0.995, 0.005, "Outlines: Natural Earth (public domain)", transform=ax.transAxes,
            ha="right", va="bottom", fontsize=6.5, color=MUTED, zorder=7)
    return fig


def map_svg(towns: Sequence[TownPoint]) -> str:
    return _svg(map_figure(towns), "map", "Map of Mali and its neighbours with the towns "
                "named in the period")


def map_png(
    towns: Sequence[TownPoint], *, width_in: float = 6.0, dpi: int = 90,
    period: str = "the period",
) -> bytes:
    """The same map as a small PNG (for e-mail, where SVG is not shown, and the run's
    Prefect artifact)."""
    return _png(map_figure(towns, width_in=width_in, period=period), dpi=dpi)


# --- the timeline ----------------------------------------------------------------------------


def _bins(days: Sequence[DayCount]) -> tuple[list[date], list[DayCount], float]:
    """Daily bars, or weekly ones (Mondays) when the days span more than four months; every
    bin in the range present, empty ones as zero."""
    first, last = days[0].day, days[-1].day
    weekly = (last - first).days > 120
    step = 7 if weekly else 1
    start = first - timedelta(days=first.weekday()) if weekly else first
    totals: dict[date, list[int]] = {}
    for d in days:
        key = d.day - timedelta(days=d.day.weekday()) if weekly else d.day
        t = totals.setdefault(key, [0, 0, 0, 0])
        for i, v in enumerate((d.articles, d.copies, d.new_actors, d.new_towns)):
            t[i] += v
    keys = [start + timedelta(days=step * n) for n in range((last - start).days // step + 1)]
    return keys, [DayCount(k, *totals.get(k, [0, 0, 0, 0])) for k in keys], float(step)


def timeline_figure(days: Sequence[DayCount], *, width_in: float = 7.5) -> Figure:
    """Two stacked bar charts on one date axis: articles (originals and copies) and new
    entities (actors and towns) per day, or per week for a long period."""
    fig = Figure(figsize=(width_in, 4.2))
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"hspace": 0.35})
    if not days:
        for ax in (top, bottom):
            ax.text(0.5, 0.5, "nothing stored in the period", ha="center", va="center",
                    transform=ax.transAxes, color=MUTED)
            ax.set_yticks([])
    else:
        keys, counts, step = _bins(days)
        x = date2num(keys)
        width = 0.8 * step
        per = "week" if step > 1 else "day"
        originals = [c.articles for c in counts]
        copies = [c.copies for c in counts]
        actors = [c.new_actors for c in counts]
        towns = [c.new_towns for c in counts]
        top.bar(x, originals, width, color=ORIGINALS, label="original articles")
        top.bar(x, copies, width, bottom=originals, color=COPIES, label="copies of a story")
        bottom.bar(x, actors, width, color=ACTORS, label="new actors")
        bottom.bar(x, towns, width, bottom=actors, color=TOWNS, label="new towns")
        top.set_title(f"Articles per {per}", loc="left", fontsize=10, color=INK)
        bottom.set_title(f"New actors and towns per {per} (by their first article)",
                         loc="left", fontsize=10, color=INK)
        locator = AutoDateLocator(minticks=3, maxticks=10)
        bottom.xaxis.set_major_locator(locator)
        bottom.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        bottom.set_xlim(x[0] - step, x[-1] + step)
        for ax in (top, bottom):
            ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
            ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=2)
            ax.set_ylim(0, max(1, *(a.get_height() + a.get_y() for a in ax.patches)) * 1.35)
    for ax in (top, bottom):
        ax.grid(axis="y", color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.subplots_adjust(left=0.06, right=0.99, top=0.92, bottom=0.1)
    return fig


def timeline_svg(days: Sequence[DayCount]) -> str:
    return _svg(timeline_figure(days), "timeline",
                "Timeline of articles and of new actors and towns per day")


def timeline_png(days: Sequence[DayCount], *, width_in: float = 6.0, dpi: int = 100) -> bytes:
    """The same timeline as a small PNG (for the run's Prefect artifact)."""
    return _png(timeline_figure(days, width_in=width_in), dpi=dpi)
