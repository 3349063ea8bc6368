"""Stacked bars for the care dashboard, drawn as inline SVG by the template like the
analytics charts (``analytics.charts``: no JavaScript library; each chart has a title
and a table beside it for screen readers and print)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from perno.analytics.charts import HEIGHT, PAD_BOTTOM, PAD_LEFT, PAD_TOP, WIDTH

STATUS_COLORS = {
    "new": "#0d6efd",
    "open": "#0dcaf0",
    "waiting": "#6c757d",
    "reopened": "#fd7e14",
}
MET, BREACHED = "#198754", "#dc3545"


@dataclass
class Segment:
    label: str
    series: str
    value: int
    x: float
    y: float
    width: float
    height: float
    color: str


def stacked(groups: list[str], series: list[dict[str, Any]]) -> dict[str, Any]:
    """One bar per group, stacked from the ``series`` (``name``, ``color``, ``values``
    with one number per group)."""
    plot_w, plot_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    totals = [sum(float(s["values"][i]) for s in series) for i in range(len(groups))]
    top = max([*totals, 1.0])
    step = plot_w / max(len(groups), 1)
    segments: list[Segment] = []
    labels = []
    for i, group in enumerate(groups):
        x = PAD_LEFT + i * step + step * 0.15
        base = float(PAD_TOP + plot_h)
        for s in series:
            value = float(s["values"][i])
            if value <= 0:
                continue
            h = plot_h * value / top
            base -= h
            segments.append(
                Segment(
                    label=group,
                    series=str(s["name"]),
                    value=int(value),
                    x=round(x, 1),
                    y=round(base, 1),
                    width=round(step * 0.7, 1),
                    height=round(h, 1),
                    color=s["color"],
                )
            )
        labels.append({"text": group, "x": round(x, 1)})
    return {
        "segments": segments,
        "labels": labels,
        "legend": [{"name": str(s["name"]), "color": s["color"]} for s in series],
        "width": WIDTH,
        "height": HEIGHT,
        "axis_y": PAD_TOP + plot_h,
        "left": PAD_LEFT,
        "right": WIDTH - 8,
        "top_label": f"{top:g}",
        "label_y": PAD_TOP + plot_h + 14,
    }
