"""Plotly figures (as JSON for dashboard.js) and the tables beside them.

A cell with fewer than SMALL stories is shown as "< 5" and drawn without its height, so no
one can single out a resident by narrowing the filters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from flows.questions.triad import PROPORTIONS as TRIAD_PROPORTIONS

SMALL = 5
COLOURS = ("#1f5fa8", "#c2541b", "#2e8540", "#7a4fa3", "#8a8a8a")


def shown(count: int) -> str:
    """A count as the dashboard shows it: '< 5' for a small cohort."""
    return f"< {SMALL}" if 0 < count < SMALL else str(count)


def drawn(count: int) -> int:
    """A count as a chart draws it: no height for a small cohort (its label says "< 5")."""
    return 0 if 0 < count < SMALL else count


def _placed(counts: Sequence[int]) -> list[str]:
    # A small cohort's bar has no height: its "< 5" stands beside it.
    return ["outside" if 0 < c < SMALL else "auto" for c in counts]


@dataclass(frozen=True, slots=True)
class Cell:
    """One row of a chart's table: what, how many (as shown), and where its stories are."""

    label: str
    count: str
    link: str | None = None


@dataclass(slots=True)
class Chart:
    """A figure with its table."""

    id: str
    title: str
    figure: dict[str, Any]
    cells: list[Cell] = field(default_factory=list)
    note: str = ""

    @property
    def figure_json(self) -> str:
        """The figure as JSON, for the page's data attribute."""
        return orjson.dumps(self.figure).decode()


def _layout(height: int = 320, **extra: Any) -> dict[str, Any]:
    return {"height": height, "margin": {"l": 40, "r": 20, "t": 20, "b": 40},
            "font": {"family": "system-ui, sans-serif", "size": 13},
            "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
            "showlegend": False, **extra}


def bars(
    chart_id: str, title: str, labels: Sequence[str], counts: Sequence[int],
    links: Sequence[str | None] | None = None, horizontal: bool = False, colour: int = 0,
) -> Chart:
    """A bar chart (a histogram of a scale, the options of a choice, counts per day)."""
    links = list(links) if links is not None else [None] * len(labels)
    values = [drawn(c) for c in counts]
    texts = [shown(c) for c in counts]
    trace: dict[str, Any] = {
        "type": "bar", "text": texts, "textposition": _placed(counts), "customdata": links,
        "cliponaxis": False,
        "marker": {"color": COLOURS[colour % len(COLOURS)]}, "hoverinfo": "text",
        "hovertext": [f"{label}: {text}" for label, text in zip(labels, texts, strict=True)],
    }
    if horizontal:
        trace.update(x=values, y=list(labels), orientation="h")
        layout = _layout(max(160, 40 + 34 * len(labels)),
                         yaxis={"automargin": True, "autorange": "reversed"})
    else:
        trace.update(x=list(labels), y=values)
        layout = _layout(xaxis={"automargin": True, "type": "category"})
    cells = [Cell(label, text, link) for label, text, link in zip(labels, texts, links,
                                                                   strict=True)]
    return Chart(chart_id, title, {"data": [trace], "layout": layout}, cells)


def stacked(
    chart_id: str, title: str, x: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]
) -> Chart:
    """Stacked bars: one series per answer (better, same, worse) over the weeks in `x`."""
    data = [
        {"type": "bar", "name": name, "x": list(x), "y": [drawn(c) for c in counts],
         "text": [shown(c) for c in counts], "hoverinfo": "name+x+text",
         "marker": {"color": COLOURS[i % len(COLOURS)]}}
        for i, (name, counts) in enumerate(series)
    ]
    layout = _layout(barmode="stack", showlegend=True, legend={"orientation": "h", "y": -0.25},
                     xaxis={"type": "category", "automargin": True})
    cells = [Cell(f"{week} · {name}", shown(counts[i]))
             for i, week in enumerate(x) for name, counts in series]
    return Chart(chart_id, title, {"data": data, "layout": layout}, cells)


def triad(
    chart_id: str, title: str, corners: tuple[str, str, str], positions: Sequence[str],
    labels: Sequence[str], counts: Sequence[int], links: Sequence[str], colour: int = 0,
) -> Chart:
    """A ternary plot of a triad's seven positions, each a circle as large as its count."""
    biggest = max([c for c in counts if c >= SMALL] or [1])
    texts = [shown(c) for c in counts]
    shares = [TRIAD_PROPORTIONS[p] for p in positions]
    trace = {
        "type": "scatterternary", "mode": "markers+text",
        "a": [s[0] for s in shares], "b": [s[1] for s in shares], "c": [s[2] for s in shares],
        "text": [text if c else "" for text, c in zip(texts, counts, strict=True)],
        "textposition": "middle center", "customdata": list(links),
        "hoverinfo": "text",
        "hovertext": [f"{label}: {text}" for label, text in zip(labels, texts, strict=True)],
        "marker": {"size": [_size(c, biggest) for c in counts], "sizemode": "diameter",
                   "color": COLOURS[colour % len(COLOURS)], "opacity": 0.55,
                   "line": {"width": 1, "color": "#333"}},
    }
    axis = {"showticklabels": False, "ticks": "", "linewidth": 1}
    layout = _layout(360, ternary={
        "sum": 1, "bgcolor": "rgba(0,0,0,0)",
        "aaxis": {**axis, "title": {"text": corners[0]}},
        "baxis": {**axis, "title": {"text": corners[1]}},
        "caxis": {**axis, "title": {"text": corners[2]}},
    }, margin={"l": 50, "r": 50, "t": 40, "b": 40})
    cells = [Cell(label, text, link) for label, text, link in zip(labels, texts, links,
                                                                   strict=True)]
    return Chart(chart_id, title, {"data": [trace], "layout": layout}, cells)


def _size(count: int, biggest: int) -> float:
    if count == 0:
        return 0
    if count < SMALL:
        return 14
    share: float = (count / biggest) ** 0.5
    return 14 + 46 * share
