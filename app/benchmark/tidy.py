"""``scores.csv``: the leaderboard as a tidy table, one row per task × system × evaluation.

Evaluations: ``pooled`` (the cross-document headline), ``test``, ``validation``, and each
held-out document (``document:000``, …, the fold's score without an interval). Columns:
:data:`COLUMNS`; ``label_map`` is empty for the task's own labels. Load it with
``pandas.read_csv("results/scores.csv", dtype={"evaluation": str})``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

COLUMNS = (
    "task",
    "system",
    "kind",
    "label_map",
    "evaluation",
    "metric",
    "value",
    "ci_low",
    "ci_high",
    "gold_examples",
)
FIXED = ("pooled", "test", "validation")


def _rows(
    task: str, metric: str, row: Mapping[str, Any], label_map: str, figures: Mapping[str, Any]
) -> Iterator[tuple[Any, ...]]:
    for evaluation in FIXED:
        scored = figures.get(evaluation)
        if scored and scored.get("value") is not None:
            yield (
                task,
                row["name"],
                row["kind"],
                label_map,
                evaluation,
                metric,
                scored["value"],
                scored.get("ci_low"),
                scored.get("ci_high"),
                scored.get("examples"),
            )


def tidy_rows(board: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """Every score of a leaderboard (``leaderboard.json``) as rows of :data:`COLUMNS`."""
    out: list[tuple[Any, ...]] = []
    for task, info in board["tasks"].items():
        metric = info["metric"]
        for row in info["systems"]:
            out += _rows(task, metric, row, row.get("label_map") or "", row)
            for fold in row.get("folds") or []:
                out.append(
                    (
                        task,
                        row["name"],
                        row["kind"],
                        row.get("label_map") or "",
                        f"document:{fold['document']}",
                        metric,
                        fold["value"],
                        None,
                        None,
                        fold.get("examples"),
                    )
                )
            for label_map, figures in (row.get("mapped") or {}).items():
                out += _rows(task, metric, row, label_map, figures)
    return out


def write_scores_csv(board: Mapping[str, Any], path: Path) -> Path:
    """``scores.csv`` (UTF-8, header row, text quoted, empty for no value)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(COLUMNS)
        writer.writerows(tidy_rows(board))
    return path
