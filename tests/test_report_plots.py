"""The report's figures are readable: no text drawn over other text, every score visible.

Checked on the matplotlib figures themselves (positions as drawn); the page with the same
figures is screenshotted by tests/test_benchmark.py::test_report_in_chromium.
"""

from __future__ import annotations

import json
from itertools import combinations

import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Text

from nkru.app.benchmark.plots import (
    documents_figure,
    overview_figure,
    per_type_figure,
    troops_figure,
)
from nkru.app.benchmark.troops import TroopPoint, date_key
from nkru.paths import results_dir


def _point(source: str, date: str, value: float, stance: str = "support", q: str = ">="):
    return TroopPoint(
        "004",
        "c1",
        source,
        stance,
        date,
        "document",
        value,
        value,
        value,
        q,
        f"{q}{value:.0f}",
        "milliers",
        "des milliers de soldats",
    )


# Four sources reporting the same number on the same date, three on another: the labels of
# the points used to be drawn on top of each other.
POINTS = [
    *(
        _point(s, "2024-10", 2000)
        for s in ("ISW", "La source du Washington Post", "author", "un initié du Washington Post")
    ),
    *(_point(s, "2024-10-25", 1500, q="") for s in ("Séoul", "des informations récentes")),
    _point("le Kremlin", "2024-10-25", 1500, stance="deny", q=""),
    _point("Séoul", "2024-10-25", 12000, q="<="),
    _point("le Kremlin", "2024-10-25", 12000, stance="deny", q="<="),
]


def _ordered(points: list[TroopPoint]) -> list[TroopPoint]:
    """The points in drawing order (see troops_figure)."""
    return sorted(points, key=lambda p: (date_key(p.date), p.value, p.source, p.stance))


def _texts(fig) -> list[tuple[str, object]]:
    renderer = fig.canvas.get_renderer()
    return [
        (t.get_text(), t.get_window_extent(renderer))
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip()
    ]


# As many sources as in the five annotated articles: the source legend runs long.
MANY = [
    *POINTS,
    *(_point(f"source {n}", "unknown", 1000 * n, q="") for n in range(1, 11)),
]


@pytest.mark.parametrize("points", [POINTS, MANY], ids=["few sources", "many sources"])
def test_troop_chart_text_never_overlaps_and_every_point_shows(points) -> None:
    fig = troops_figure(points)
    fig.canvas.draw()
    texts = _texts(fig)
    assert {"ISW", "le Kremlin", "deny", "support"} <= {text for text, _ in texts}
    for (a, box_a), (b, box_b) in combinations(texts, 2):
        assert not box_a.overlaps(box_b) or box_a.width * box_b.width == 0, (a, b)
    ax = fig.axes[0]
    marks = [line for line in ax.get_lines() if (line.get_gid() or "").startswith("troops:")]
    assert len(marks) == len(points)
    where = {tuple(ax.transData.transform(line.get_xydata()[0]).round()) for line in marks}
    assert len(where) == len(points), "two points drawn on the same spot"
    colours = {line.get_gid(): line.get_color() for line in marks}
    by_source = {p.source: colours[f"troops:{n}"] for n, p in enumerate(_ordered(points))}
    assert len(set(map(str, by_source.values()))) == len(by_source), "two sources, one colour"
    inside = ax.get_window_extent()
    assert all(inside.contains(x, y) for x, y in where)
    plt.close(fig)


@pytest.mark.parametrize("empty", [[], [("majority", {})]])
def test_per_type_chart_without_scores_is_an_empty_frame_with_its_legend(empty) -> None:
    """No type to show: one empty row, no dot, no tick label, and the legend names exactly
    the systems given (none for no system)."""
    fig = per_type_figure("ner", empty)
    fig.canvas.draw()
    (ax,) = fig.axes
    assert ax.get_title() == "ner: F1 per type"
    assert [line for line in ax.get_lines() if line.get_gid()] == []
    assert [t.get_text() for t in ax.get_yticklabels()] == []
    assert ax.get_ylim() == (0.5, -0.5)
    legend = ax.get_legend()
    shown = [t.get_text() for t in legend.get_texts()] if legend is not None else []
    assert shown == [name for name, _ in empty]
    plt.close(fig)


def test_per_type_chart_shows_zero_scores_and_the_floor() -> None:
    """A zero F1 is a dot like any other (a zero-height bar looked missing), so a system that
    scores 0 everywhere (the majority floor) is visible in every row."""

    def figures(f1: float, low: float, high: float, pos: int) -> dict:
        return {"f1": f1, "ci_low": low, "ci_high": high, "pos": pos, "act": 3}

    systems = [
        ("logreg", {"GPE": figures(0.9, 0.8, 1.0, 31), "DATE": figures(0.0, 0.0, 0.0, 6)}),
        ("majority", {"GPE": figures(0.0, 0.0, 0.0, 31), "DATE": figures(0.0, 0.0, 0.0, 6)}),
        ("user", {"GPE": figures(1.0, 1.0, 1.0, 31)}),  # no figure for DATE: no dot
    ]
    fig = per_type_figure("ner", systems)
    fig.canvas.draw()
    ax = fig.axes[0]
    inside = ax.get_window_extent()
    dots = {line.get_gid(): line for line in ax.get_lines() if line.get_gid()}
    assert set(dots) == {f"{name}:{label}" for name, types in systems for label in types}
    spots = set()
    for gid, line in dots.items():
        ((x, y),) = line.get_xydata()
        name, label = gid.split(":")
        assert x == dict(systems)[name][label]["f1"]
        assert line.get_marker() == "o" and line.get_markersize() >= 4 and line.get_visible()
        px, py = ax.transData.transform((x, y))
        radius = line.get_markersize() / 2 * fig.dpi / 72
        assert inside.x0 <= px - radius and px + radius <= inside.x1, f"{gid} cut off"
        spots.add((round(px), round(py)))
    assert len(spots) == len(dots), "two dots on the same spot"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["DATE (6 gold)", "GPE (31 gold)"]
    plt.close(fig)


def _overview_tasks(board: dict) -> list:
    return [
        (
            task,
            info["metric"],
            [
                {
                    **(row.get("pooled") or {}),
                    "name": row["name"],
                    "kind": row["kind"],
                    "floor": row["name"] == info["floor"],
                }
                for row in info["systems"]
            ],
        )
        for task, info in board["tasks"].items()
    ]


def _no_overlap(fig) -> list[tuple[str, object]]:
    fig.canvas.draw()
    texts = _texts(fig)
    for (a, box_a), (b, box_b) in combinations(texts, 2):
        assert not box_a.overlaps(box_b) or box_a.width * box_b.width == 0, (a, b)
    return texts


def test_overview_shows_every_scored_system_of_every_task() -> None:
    board = json.loads((results_dir() / "leaderboard.json").read_text(encoding="utf-8"))
    tasks = _overview_tasks(board)
    fig = overview_figure(tasks)
    texts = {text for text, _ in _no_overlap(fig)}
    points = {line.get_gid(): line for ax in fig.axes for line in ax.get_lines() if line.get_gid()}
    expected = {
        f"{task}:{row['name']}"
        for task, _, rows in tasks
        for row in rows
        if row.get("value") is not None
    }
    assert set(points) == expected and expected
    for task, metric, rows in tasks:
        assert f"{task} — {metric}" in texts
        for row in rows:
            if row.get("value") is not None:
                ((x, _),) = points[f"{task}:{row['name']}"].get_xydata()
                assert x == row["value"]
                face = points[f"{task}:{row['name']}"].get_markerfacecolor()
                assert (face == "white") == row["floor"]
    plt.close(fig)


def test_documents_heat_map_writes_every_fold_value() -> None:
    rows = [
        {"name": "crf", "folds": {"000": 0.8, "001": 0.75, "002": 0.9}},
        {"name": "gazetteer (floor)", "folds": {"000": 0.3, "002": 0.0}},
    ]
    fig = documents_figure("ner", ["000", "001", "002"], rows)
    texts = _no_overlap(fig)
    cells = {t.get_gid(): t.get_text() for t in fig.findobj(Text) if t.get_gid()}
    assert cells == {
        "ner:crf:000": "0.80",
        "ner:crf:001": "0.75",
        "ner:crf:002": "0.90",
        "ner:gazetteer (floor):000": "0.30",
        "ner:gazetteer (floor):002": "0.00",
    }
    assert {"000", "001", "002", "crf"} <= {text for text, _ in texts}
    plt.close(fig)
