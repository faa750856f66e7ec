"""One-off: make `sahel_countries.geojson` from Natural Earth's country outlines as the npm
package `world-atlas` ships them (TopoJSON). Not used at run time; kept to show how the
vendored file was made and to remake it:

    cd /tmp && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python alerts/chart_data/build_geojson.py package/countries-50m.json \
        > alerts/chart_data/sahel_countries.geojson

Each shared border (TopoJSON arc) is simplified once (Douglas-Peucker), so neighbours still
meet exactly; coordinates are rounded to 0.01 degree (about 1 km).
"""

from __future__ import annotations

import json
import sys
from typing import Any

# ISO 3166 numeric -> alpha-2: Mali, its neighbours, and the countries in the map's frame.
COUNTRIES = {
    "466": "ML", "012": "DZ", "562": "NE", "854": "BF", "384": "CI", "324": "GN",
    "686": "SN", "478": "MR",
    "270": "GM", "624": "GW", "694": "SL", "430": "LR", "288": "GH", "768": "TG",
    "204": "BJ", "566": "NG", "434": "LY", "148": "TD", "504": "MA", "732": "EH",
}
NEIGHBOURS = {"DZ", "NE", "BF", "CI", "GN", "SN", "MR"}
TOLERANCE = 0.02  # degrees
DIGITS = 2


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _distance(p, a, b) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    if dx == dy == 0:
        return ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return ((px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2) ** 0.5


def simplify(points: list, tolerance: float) -> list:
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        best, index = 0.0, None
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > best:
                best, index = d, i
        if index is not None and best > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def ring(indexes: list[int], arcs: list) -> list[list[float]]:
    out: list[list[float]] = []
    for i in indexes:
        points = arcs[i] if i >= 0 else arcs[~i][::-1]
        for n, (x, y) in enumerate(points):
            if n == 0 and out:
                continue  # an arc starts where the previous one ended
            out.append([round(x, DIGITS), round(y, DIGITS)])
    deduped = [p for n, p in enumerate(out) if n == 0 or p != out[n - 1]]
    return deduped


def main(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        topo = json.load(f)
    arcs = [simplify(a, TOLERANCE) for a in decode_arcs(topo)]
    features: list[dict[str, Any]] = []
    for geometry in topo["objects"]["countries"]["geometries"]:
        code = COUNTRIES.get(str(geometry.get("id")))
        if code is None:
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = [[ring(r, arcs) for r in polygon] for polygon in polygons]
        rings = [[r for r in polygon if len(r) >= 4] for polygon in rings]
        rings = [polygon for polygon in rings if polygon]
        role = "focus" if code == "ML" else "neighbour" if code in NEIGHBOURS else "context"
        features.append({
            "type": "Feature",
            "properties": {"iso_a2": code, "name": geometry["properties"]["name"],
                           "role": role},
            "geometry": {"type": "MultiPolygon", "coordinates": rings},
        })
    features.sort(key=lambda f: f["properties"]["iso_a2"])
    json.dump({"type": "FeatureCollection",
               "source": "Natural Earth 1:50m Admin 0 countries (public domain), "
                         "via the npm package world-atlas 2.0.2 (countries-50m.json)",
               "features": features}, sys.stdout, ensure_ascii=False, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
