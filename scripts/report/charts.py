"""The report's charts, drawn by matplotlib (Agg, no display) and saved so the same data gives the same bytes.

Determinism: SVG element ids are seeded by ``svg.hashsalt`` and the SVG metadata date is left out
(https://matplotlib.org/stable/users/explain/customizing.html, `svg.hashsalt`; `Figure.savefig` metadata: "Date"
None omits it); text stays text (`svg.fonttype: none`), so the page stays small and searchable. PNG metadata
carries no time either (Agg writes `Software` only).
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure

STYLE: dict[str, Any] = {
    "svg.hashsalt": "modelops-report",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",  # bundled with matplotlib: the same glyph metrics everywhere
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}
WIDTH = 7.5


def _styled() -> Any:
    """``matplotlib.rc_context(STYLE)`` (its stubs type the keys as rcParams literals)."""
    return matplotlib.rc_context(cast(Any, STYLE))


DAY = "%d %b"  # tick labels of daily charts


@dataclass(frozen=True)
class Chart:
    name: str  # file stem and the HTML figure's data-chart
    title: str
    draw: Callable[[], Figure]  # a fresh figure per file: saving one figure twice can change its layout

    def svg(self) -> str:
        buffer = io.StringIO()
        with _styled():
            self.draw().savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
        text = buffer.getvalue()
        return text[text.index("<svg") :]

    def png(self) -> bytes:
        buffer = io.BytesIO()
        with _styled():
            self.draw().savefig(buffer, format="png", dpi=110, metadata={"Software": None}, bbox_inches="tight")
        return buffer.getvalue()


def _figure(rows: int = 1, cols: int = 1, height: float = 3.0, sharex: bool = False) -> tuple[Figure, Any]:
    with _styled():
        fig, axes = plt.subplots(
            rows, cols, figsize=(WIDTH, height * rows), squeeze=False, sharex=sharex, layout="constrained"
        )
    plt.close(fig)  # keep no global state: the figure lives on in the Chart
    return fig, axes


def _by_model(rows: list[dict[str, Any]], measure: str) -> dict[str, dict[str | None, float]]:
    out: dict[str, dict[str | None, float]] = defaultdict(dict)
    for r in rows:
        if r["measure"] == measure and r["model"] is not None and r["value"] is not None:
            out[r["model"]][r["dimension"]] = r["value"]
    return dict(sorted(out.items()))


def usage_trend(scorecard: list[dict[str, Any]]) -> Chart | None:
    weekly = _by_model(scorecard, "predictions_week")
    if not weekly:
        return None

    def draw() -> Figure:
        with _styled():
            fig, axes = _figure(height=3.2)
            ax = axes[0][0]
            for model, points in weekly.items():
                weeks = sorted(points, key=str)
                ax.plot(weeks, [points[w] / 1000 for w in weeks], marker="o", label=model)
            ax.set_ylabel("predictions per week (thousands)")
            ax.set_xlabel("week starting")
            ax.legend(loc="best", frameon=False)
        return fig

    return Chart("usage-trend", "Predictions per model and week", draw)


def delivery(scorecard: list[dict[str, Any]]) -> Chart | None:
    measures = {
        m: {k: v.get(None, 0.0) for k, v in _by_model(scorecard, m).items()}
        for m in ("deployments", "change_failure_rate", "lead_time_hours", "time_to_restore_hours")
    }
    models = sorted(set().union(*(set(v) for v in measures.values())))
    if not models:
        return None

    def draw() -> Figure:
        with _styled():
            fig, axes = _figure(1, 3, height=3.0)
            panels: list[tuple[str, Callable[[str], float]]] = [
                ("deployments", lambda m: measures["deployments"].get(m, 0.0)),
                ("change failure rate (%)", lambda m: 100 * measures["change_failure_rate"].get(m, 0.0)),
                ("median lead time (h)", lambda m: measures["lead_time_hours"].get(m, 0.0)),
            ]
            for ax, (label, value) in zip(axes[0], panels, strict=True):
                ax.barh(models, [value(m) for m in models])
                ax.set_title(label)
                ax.invert_yaxis()
            for ax in axes[0][1:]:
                ax.set_yticklabels([])
        return fig

    return Chart("delivery", "Delivery per model: deployments, change failure rate, lead time", draw)


def _series(trends: list[dict[str, Any]], series: str) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in trends:
        if r["series"] == series and r["value"] is not None:
            out[(r["model"], r["name"])].append(r)
    return {k: sorted(v, key=lambda r: r["day"]) for k, v in sorted(out.items())}


def quality(trends: list[dict[str, Any]]) -> Chart | None:
    """One panel per model and thresholded metric: the daily value and its threshold."""
    lines = {k: v for k, v in _series(trends, "quality").items() if any(r["threshold"] is not None for r in v)}
    if not lines:
        return None

    def draw() -> Figure:
        with _styled():
            fig, axes = _figure(len(lines), 1, height=1.9, sharex=True)
            for ax, ((model, metric), rows) in zip(axes[:, 0], lines.items(), strict=True):
                ax.plot([r["day"] for r in rows], [r["value"] for r in rows], label=metric)
                threshold = next(r["threshold"] for r in reversed(rows) if r["threshold"] is not None)
                ax.axhline(threshold, linestyle="--", color="tab:red", label="threshold")
                ax.set_title(f"{model}: {metric}", loc="left")
                ax.legend(loc="best", frameon=False)
            for ax in fig.axes:
                ax.xaxis.set_major_formatter(DateFormatter(DAY))
        return fig

    return Chart("quality", "Model quality per day against its threshold", draw)


def drift(trends: list[dict[str, Any]]) -> Chart | None:
    lines = _series(trends, "drift")
    if not lines:
        return None

    def draw() -> Figure:
        with _styled():
            fig, axes = _figure(height=2.8)
            ax = axes[0][0]
            for (model, _), rows in lines.items():
                ax.plot([r["day"] for r in rows], [r["value"] for r in rows], label=model)
            ax.axhline(1.0, linestyle="--", color="tab:red", label="drift threshold")
            ax.set_ylabel("largest PSI / threshold")
            ax.legend(loc="best", frameon=False)
            for ax in fig.axes:
                ax.xaxis.set_major_formatter(DateFormatter(DAY))
        return fig

    return Chart("drift", "Feature drift per day (largest PSI as a share of its threshold)", draw)


def exceptions(scorecard: list[dict[str, Any]]) -> Chart | None:
    rows = sorted(
        (r for r in scorecard if r["measure"] == "open_exception_age_days"),
        key=lambda r: (-(r["value"] or 0), r["team"], r["dimension"]),
    )
    if not rows:
        return None

    def draw() -> Figure:
        with _styled():
            fig, axes = _figure(height=0.5 + 0.45 * len(rows))
            ax = axes[0][0]
            ax.barh([f"{r['team']}: {r['dimension']}" for r in rows], [r["value"] for r in rows], color="tab:orange")
            ax.invert_yaxis()
            ax.set_xlabel("days open")
        return fig

    return Chart("exceptions", "Open policy exceptions by age", draw)
