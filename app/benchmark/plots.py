"""Matplotlib figures of the report, returned as inline SVG strings (deterministic output)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any, Literal, cast

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter
from matplotlib.typing import RcKeyType

from .troops import TroopPoint, date_key

_RC: dict[RcKeyType, Any] = {
    "svg.hashsalt": "nkru-benchmark",
    "svg.fonttype": "path",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
COLORS = (
    "#4477AA",
    "#EE6677",
    "#228833",
    "#CCBB44",
    "#66CCEE",
    "#AA3377",
    "#BBBBBB",
    "#000000",
    "#EE7733",
    "#0077BB",
)


def to_svg(fig: Any) -> str:
    """The figure as an ``<svg>`` element (no XML prolog, no date), then closed."""
    buffer = io.StringIO()
    with plt.rc_context(_RC):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buffer.getvalue()
    return re.sub(r"^.*?(<svg\b)", r"\1", svg, count=1, flags=re.S)


def _figure(width: float, height: float) -> tuple[Any, Any]:
    with plt.rc_context(_RC):
        return plt.subplots(figsize=(width, height))


def headline_chart(task: str, metric: str, rows: Sequence[dict[str, Any]]) -> str:
    """Horizontal bars of the cross-document headline with 95% intervals, one per system."""
    rows = [r for r in rows if r.get("value") is not None]
    with plt.rc_context(_RC):
        fig, ax = _figure(6.0, 0.45 * max(len(rows), 1) + 0.9)
        names = [f"{r['name']} ({r['kind']})" for r in rows]
        values = [r["value"] for r in rows]
        low = [
            r["value"] - (r.get("ci_low") if r.get("ci_low") is not None else r["value"])
            for r in rows
        ]
        high = [
            (r.get("ci_high") if r.get("ci_high") is not None else r["value"]) - r["value"]
            for r in rows
        ]
        colors = [
            COLORS[{"baseline": 0, "reference": 6, "user": 1}.get(r["kind"], 3)] for r in rows
        ]
        ax.barh(range(len(rows)), values, xerr=[low, high], color=colors, capsize=3)
        ax.set_yticks(range(len(rows)), names)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel(f"{metric} (cross-document, 95% bootstrap CI)")
        ax.set_title(task)
    return to_svg(fig)


def _dot(
    ax: Any,
    x: float,
    y: float,
    low: float | None,
    high: float | None,
    color: str,
    gid: str,
    hollow: bool = False,
) -> None:
    """A score as a dot with its interval (none where a bound is missing), named ``gid``."""
    below = x - low if low is not None else 0.0
    above = high - x if high is not None else 0.0
    mark = ax.errorbar(
        [x],
        [y],
        xerr=[[below], [above]],
        fmt="o",
        color=color,
        markerfacecolor="white" if hollow else color,
        markersize=5,
        capsize=2,
        elinewidth=1,
    )
    mark.lines[0].set_gid(gid)


def per_type_figure(task: str, systems: Sequence[tuple[str, dict[str, dict[str, Any]]]]) -> Any:
    """Per-type strict F1 with bootstrap intervals: one row per type, one dot per system.

    A dot (not a bar) so that a score of 0 is as visible as any other; each dot's ``gid`` is
    ``system:type``. A system without a figure for a type has no dot in that row.
    """
    labels = sorted({label for _, types in systems for label in types})
    gold = {
        label: types[label]["pos"]
        for _, types in systems
        for label in types
        if "pos" in types[label]
    }
    with plt.rc_context(_RC):
        fig, ax = _figure(7.0, 0.5 * max(len(labels), 1) + 1.2)
        step = 0.7 / max(len(systems), 1)
        for k, (name, types) in enumerate(systems):
            color = COLORS[k % len(COLORS)]
            for i, label in enumerate(labels):
                t = types.get(label)
                if t is None:
                    continue
                y = i + (k - (len(systems) - 1) / 2) * step
                _dot(ax, t["f1"], y, t.get("ci_low"), t.get("ci_high"), color, f"{name}:{label}")
        ax.set_yticks(
            range(len(labels)),
            [f"{label} ({gold[label]} gold)" if label in gold else label for label in labels],
        )
        ax.set_xlim(-0.04, 1.04)
        ax.set_ylim(max(len(labels), 1) - 0.5, -0.5)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_xlabel("strict F1 (cross-document, 95% bootstrap CI)")
        ax.set_title(f"{task}: F1 per type")
        if systems:
            handles = [
                Line2D([], [], marker="o", linestyle="", color=COLORS[k % len(COLORS)], label=n)
                for k, (n, _) in enumerate(systems)
            ]
            _legend(ax, ax, handles, "system", "upper left", (1.0, 1.0), fontsize=8)
    return fig


def per_type_chart(task: str, systems: Sequence[tuple[str, dict[str, dict[str, Any]]]]) -> str:
    """``per_type_figure`` as inline SVG."""
    return to_svg(per_type_figure(task, systems))


def confusion_chart(task: str, system: str, confusion: dict[str, Any]) -> str:
    """Heatmap of a confusion matrix (rows gold, columns predicted), classes present only."""
    labels: list[str] = confusion["labels"]
    matrix = [list(map(int, row)) for row in confusion["matrix"]]
    keep = [
        i for i in range(len(labels)) if sum(matrix[i]) or sum(row[i] for row in matrix)
    ] or list(range(len(labels)))
    sub = [[matrix[i][j] for j in keep] for i in keep]
    names = [labels[i] for i in keep]
    size = 1.2 + 0.55 * len(keep)
    with plt.rc_context(_RC):
        fig, ax = _figure(size + 0.6, size)
        image = ax.imshow(sub, cmap="Blues", vmin=0)
        peak = max((v for row in sub for v in row), default=0)
        for i, row in enumerate(sub):
            for j, value in enumerate(row):
                ax.text(
                    j,
                    i,
                    str(value),
                    ha="center",
                    va="center",
                    color="white" if peak and value > peak / 2 else "black",
                )
        ax.set_xticks(range(len(names)), names, rotation=35, ha="right")
        ax.set_yticks(range(len(names)), names)
        ax.set_xlabel("predicted")
        ax.set_ylabel("gold")
        ax.set_title(f"{task}: {system}")
        fig.colorbar(image, ax=ax, shrink=0.7)
    return to_svg(fig)


# Marker shape by qualifier of the reported number, face by stance of its source.
QUALIFIER_MARKERS = {"~": "o", ">": "^", ">=": "^", "<": "v", "<=": "v", "..": "s", "": "D"}
QUALIFIER_NAMES = {
    "o": "about (~)",
    "^": "at least (>, >=)",
    "v": "at most (<, <=)",
    "s": "range (bounds)",
    "D": "exact",
}
STANCE_FILL: dict[str, Literal["full", "none", "bottom"]] = {
    "support": "full",
    "deny": "none",
    "query": "bottom",
}


def troops_figure(points: Sequence[TroopPoint]) -> Any:
    """Reported troop numbers by date (x, categorical, sorted): colour = source, marker
    shape = qualifier, filled / hollow / half = support / deny / query. No text labels on
    the points (they collided): the legends and the table under the chart name them.
    Points on the same date and value are spread side by side; each has ``gid``
    ``troops:<n>`` in drawing order."""
    with plt.rc_context(_RC):
        fig, ax = _figure(8.0, 4.2)
        if not points:
            ax.text(
                0.5,
                0.5,
                "no QUANTITY in a troops claim in the annotations",
                ha="center",
                va="center",
                transform=ax.transAxes,
            )
            ax.set_axis_off()
            return fig
        dates = sorted({p.date for p in points}, key=date_key)
        sources = sorted({p.source for p in points})
        palette: Sequence[Any] = (
            COLORS if len(sources) <= len(COLORS) else cast(Any, plt.get_cmap("tab20")).colors
        )
        color = {s: palette[i % len(palette)] for i, s in enumerate(sources)}
        ordered = sorted(points, key=lambda p: (date_key(p.date), p.value, p.source, p.stance))
        together: dict[tuple[str, float], int] = {}
        for p in ordered:
            together[(p.date, p.value)] = together.get((p.date, p.value), 0) + 1
        slots: dict[tuple[str, float], int] = {}
        width = 0.6
        for n, p in enumerate(ordered):
            key = (p.date, p.value)
            slot, count = slots.get(key, 0), together[key]
            slots[key] = slot + 1
            x = dates.index(p.date) + (slot - (count - 1) / 2) * min(0.12, width / count)
            marker = QUALIFIER_MARKERS.get(p.qualifier, "D")
            mark = ax.errorbar(
                [x],
                [p.value],
                yerr=[[p.value - p.low], [p.high - p.value]],
                fmt=marker,
                color=color[p.source],
                markerfacecoloralt="white",
                fillstyle=STANCE_FILL.get(p.stance, "full"),
                capsize=3,
                markersize=7,
            )
            mark.lines[0].set_gid(f"troops:{n}")
        ax.set_xticks(range(len(dates)), dates, rotation=20, ha="right")
        ax.set_xlim(-0.6, len(dates) - 0.4)
        ax.set_ylim(bottom=0)
        ax.set_ylabel("troops reported (normalised value)")
        ax.set_xlabel("date (DATE in the claim, else the document date)")
        ax.set_title("North Korean troop numbers reported in the corpus, by source")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}".replace(",", " ")))
        by_source = [
            Line2D([], [], marker="o", linestyle="", color=color[s], label=s) for s in sources
        ]
        shown = [QUALIFIER_MARKERS.get(p.qualifier, "D") for p in ordered]
        by_marker = [
            Line2D([], [], marker=m, linestyle="", color="#444444", label=QUALIFIER_NAMES[m])
            for m in QUALIFIER_NAMES
            if m in shown
        ]
        by_marker += [
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                color="#444444",
                label=stance,
                markerfacecoloralt="white",
                fillstyle=STANCE_FILL[stance],
            )
            for stance in STANCE_FILL
            if any(p.stance == stance for p in ordered)
        ]
        # Two legends, both in the tight bounding box of the saved figure: the sources right
        # of the axes (as long as there are sources), the markers in a row under the axes.
        _legend(fig, ax, by_source, "source", "upper left", (1.0, 1.0))
        _legend(ax, ax, by_marker, "number, stance", "upper center", (0.5, -0.25), len(by_marker))
    return fig


def _legend(
    owner: Any,
    ax: Any,
    handles: list,
    title: str,
    loc: str,
    anchor: tuple[float, float],
    ncol: int = 1,
    fontsize: int = 7,
) -> None:
    """A frameless legend placed at ``anchor`` in ``ax``'s coordinates; ``owner`` is the axes
    or, for a second legend, the figure."""
    owner.legend(
        handles=handles,
        frameon=False,
        fontsize=fontsize,
        loc=loc,
        bbox_to_anchor=anchor,
        bbox_transform=ax.transAxes,
        title=title,
        ncol=ncol,
    )


def troops_chart(points: Sequence[TroopPoint]) -> str:
    """``troops_figure`` as inline SVG."""
    return to_svg(troops_figure(points))


def learning_curve_chart(curves: dict[str, dict[str, Any]]) -> str:
    """One panel per task: pooled cross-document score (min-max band over the fits) against
    the number of training documents, one line per system; the floor's pooled
    leave-one-document-out score as a dashed line."""
    tasks = [t for t, c in curves.items() if c["systems"]]
    if not tasks:
        return ""
    with plt.rc_context(_RC):
        fig, axes = plt.subplots(1, len(tasks), figsize=(4.2 * len(tasks), 3.0), squeeze=False)
        for ax, task in zip(axes[0], tasks, strict=True):
            curve = curves[task]
            for color, (name, points) in zip(COLORS, curve["systems"].items(), strict=False):
                x = [p["documents"] for p in points]
                ax.plot(x, [p["pooled"] for p in points], marker="o", color=color, label=name)
                ax.fill_between(
                    x,
                    [p["min"] for p in points],
                    [p["max"] for p in points],
                    color=color,
                    alpha=0.15,
                    linewidth=0,
                )
            floor = curve.get("floor") or {}
            if floor.get("value") is not None:
                ax.axhline(floor["value"], color="#777777", linestyle="--", linewidth=1)
                ax.annotate(
                    f"floor: {floor['name']}",
                    (1, floor["value"]),
                    textcoords="offset points",
                    xytext=(2, 3),
                    fontsize=7,
                    color="#555555",
                )
            ax.set_title(f"{task} — {curve['metric']}")
            ax.set_xlabel("training documents")
            ax.set_xticks(sorted({p["documents"] for ps in curve["systems"].values() for p in ps}))
            ax.set_ylim(0, 1)
            ax.legend(fontsize=7, frameon=False, loc="lower right")
        fig.tight_layout()
    return to_svg(fig)


def overview_figure(tasks: Sequence[tuple[str, str, Sequence[dict[str, Any]]]]) -> Any:
    """Every task's headline at a glance: one row of axes per task (its metric in the title),
    one point per system with its interval; the floor hollow. ``tasks``: ``(task, metric,
    rows)``, each row ``{name, kind, floor, value, ci_low, ci_high}``; each point's ``gid`` is
    ``task:system``. A system without a score has no point."""
    sizes = [max(len(rows), 1) for _, _, rows in tasks] or [1]
    with plt.rc_context(_RC):
        fig, axes = plt.subplots(
            len(sizes),
            1,
            figsize=(7.0, 0.26 * sum(sizes) + 0.62 * len(sizes) + 0.4),
            gridspec_kw={"height_ratios": sizes},
            squeeze=False,
        )
        for ax, (task, metric, rows) in zip(axes[:, 0], tasks, strict=False):
            for i, row in enumerate(rows):
                if row.get("value") is None:
                    continue
                color = COLORS[{"baseline": 0, "reference": 6, "user": 1}.get(row["kind"], 3)]
                gid = f"{task}:{row['name']}"
                low, high = row.get("ci_low"), row.get("ci_high")
                _dot(ax, row["value"], i, low, high, color, gid, hollow=bool(row.get("floor")))
            ax.set_yticks(
                range(len(rows)),
                [f"{r['name']} (floor)" if r.get("floor") else r["name"] for r in rows],
            )
            ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
            ax.set_xlim(-0.02, 1.02)
            ax.grid(axis="x", color="#dddddd", linewidth=0.6)
            ax.set_axisbelow(True)
            ax.set_title(f"{task} — {metric}", loc="left", fontsize=9)
            ax.tick_params(axis="x", labelsize=8)
        axes[-1, 0].set_xlabel("cross-document score, 95% interval (hollow: the task's floor)")
        fig.tight_layout(h_pad=0.6)
    return fig


def overview_chart(tasks: Sequence[tuple[str, str, Sequence[dict[str, Any]]]]) -> str:
    """``overview_figure`` as inline SVG."""
    return to_svg(overview_figure(tasks))


def documents_figure(task: str, documents: Sequence[str], rows: Sequence[dict[str, Any]]) -> Any:
    """Systems × held-out documents heat map of a task's cross-document scores (one cell per
    fold, its value written in it; an empty cell where a system has no score for a document).
    ``rows``: ``{name, folds: {document: value}}``."""
    matrix = [[row["folds"].get(doc, float("nan")) for doc in documents] for row in rows] or [
        [float("nan")] * len(documents)
    ]
    with plt.rc_context(_RC):
        fig, ax = _figure(1.6 + 0.75 * max(len(documents), 1), 0.8 + 0.32 * max(len(rows), 1))
        image = ax.imshow(matrix, cmap="viridis", vmin=0, vmax=1, aspect="auto")
        for i, values in enumerate(matrix):
            for j, value in enumerate(values):
                if value == value:  # not NaN
                    ax.text(
                        j,
                        i,
                        f"{value:.2f}",
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="black" if value > 0.6 else "white",
                        gid=f"{task}:{rows[i]['name']}:{documents[j]}",
                    )
        ax.set_xticks(range(len(documents)), documents)
        ax.set_yticks(range(len(rows)), [row["name"] for row in rows])
        ax.set_xlabel("held-out document")
        ax.set_title(f"{task}: score per held-out document", fontsize=9)
        fig.colorbar(image, ax=ax, shrink=0.8)
    return fig


def documents_chart(task: str, documents: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    """``documents_figure`` as inline SVG."""
    return to_svg(documents_figure(task, documents, rows))
