"""Chart geometry for the analytics pages, drawn as inline SVG by the templates (no
JavaScript library: the charts print, work without scripts and are read by screen
readers through their titles and the tables beside them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT = 640, 260
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 44, 56, 12


@dataclass
class Bar:
    label: str
    value: float
    text: str
    x: float
    y: float
    width: float
    height: float
    color: str
    url: str = ""


def bars(items: list[dict[str, Any]], *, color: str = "#0d6efd") -> dict[str, Any]:
    """Vertical bars for ``items`` (``label``, ``value``, optional ``text``, ``color``,
    ``url``)."""
    plot_w, plot_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    top = max([float(i["value"]) for i in items] + [1.0])
    step = plot_w / max(len(items), 1)
    drawn = []
    for n, item in enumerate(items):
        value = float(item["value"])
        h = plot_h * value / top
        drawn.append(
            Bar(
                label=str(item["label"]),
                value=value,
                text=str(item.get("text", item["value"])),
                x=PAD_LEFT + n * step + step * 0.15,
                y=PAD_TOP + plot_h - h,
                width=step * 0.7,
                height=h,
                color=item.get("color", color),
                url=item.get("url", ""),
            )
        )
    return {
        "bars": drawn,
        "width": WIDTH,
        "height": HEIGHT,
        "axis_y": PAD_TOP + plot_h,
        "left": PAD_LEFT,
        "right": WIDTH - 8,
        "top_label": _short(top),
        "label_y": PAD_TOP + plot_h + 14,
    }


def _short(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 1_000:
        return f"{value / 1_000:.1f}k"
    return f"{value:g}"


def heatmap(grid: list[list[int]]) -> dict[str, Any]:
    """The 5 x 5 R x F grid: one cell per score pair, darker with more customers."""
    size = 44
    top = max([max(row) for row in grid] + [1])
    cells = []
    for r in range(5):
        for f in range(5):
            count = grid[r][f]
            cells.append(
                {
                    "r": r + 1,
                    "f": f + 1,
                    "count": count,
                    "x": 30 + f * size,
                    "y": 10 + (4 - r) * size,
                    "size": size - 2,
                    "opacity": round(0.08 + 0.92 * count / top, 3),
                }
            )
    return {"cells": cells, "width": 30 + 5 * size + 10, "height": 10 + 5 * size + 30}


def line(points: list[list[float]], *, size: int = 260) -> dict[str, Any]:
    """A curve in the unit square (the Lorenz curve), with the diagonal of equality."""
    pad = 30
    inner = size - 2 * pad

    def at(x: float, y: float) -> str:
        return f"{pad + x * inner:.1f},{pad + (1 - y) * inner:.1f}"

    return {
        "points": " ".join(at(x, y) for x, y in points),
        "diagonal": f"{at(0, 0)} {at(1, 1)}",
        "size": size,
        "pad": pad,
        "inner": inner,
        "x80": pad + 0.8 * inner,
    }


def scatter(
    points: list[tuple[float, float, str]],
    regions: list[dict[str, Any]],
    *,
    size: int = 320,
) -> dict[str, Any]:
    """Points on a 0-100 x 0-100 plane (x right, y up) over coloured ``regions``
    (``x0``, ``x1``, ``y0``, ``y1`` in the same units, ``color``, ``label``, ``url``)."""
    pad = 34
    inner = size - 2 * pad

    def px(v: float) -> float:
        return round(pad + v / 100 * inner, 1)

    def py(v: float) -> float:
        return round(pad + (1 - v / 100) * inner, 1)

    drawn_regions = [
        {
            **region,
            "x": px(region["x0"]),
            "y": py(region["y1"]),
            "w": round(px(region["x1"]) - px(region["x0"]), 1),
            "h": round(py(region["y0"]) - py(region["y1"]), 1),
        }
        for region in regions
    ]
    dots = [{"x": px(x), "y": py(y), "title": title} for x, y, title in points]
    return {"regions": drawn_regions, "dots": dots, "size": size, "pad": pad, "inner": inner}
