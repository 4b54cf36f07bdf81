"""Error analysis of the benchmark: every system's pooled cross-document run listed error by
error (``errors/<task>/<system>.csv``, :mod:`nkru.eval.errors`), with a type confusion matrix
for labelled spans, and the tidy ``scores.csv`` (:mod:`.tidy`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from nkru.tasks import Task

from ...eval.api import Options, entity_confusion, errors, parse_predictions
from ...eval.errors import write_csv
from ...eval.gold import GoldSet
from ...eval.kinds import kind_of
from .entries import Entry

ERRORS = "errors"


def error_path(output: Path, entry: Entry) -> Path:
    """Where a system's pooled run's errors are written."""
    return output / ERRORS / entry.task.name / f"{entry.name}.csv"


def write_errors(
    entries: Sequence[Entry],
    results: dict[str, dict[str, Any]],
    pooled: Callable[[Entry], Path],
    gold: Callable[[Task, str | None], GoldSet],
    output: Path,
) -> None:
    """For each system with a pooled run (``pooled(entry)`` exists): its errors as CSV, their
    count by kind in ``results[key]["errors"]``, and for labelled spans the type confusion
    matrix in ``results[key]["confusion"]``."""
    for entry in entries:
        path = pooled(entry)
        if not path.is_file() or results[entry.key].get("error"):
            continue
        task, label_map = entry.task, entry.task.label_map(entry.label_map)
        options = Options(bootstrap=0, label_map=label_map)
        parsed = parse_predictions(
            task, gold(task, entry.label_map), path, options
        )  # validated once
        listed = errors(task, parsed.gold, parsed, options)
        target = error_path(output, entry)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_csv(listed, target)
        results[entry.key]["errors"] = {
            "file": target.relative_to(output).as_posix(),
            "count": len(listed),
            "kinds": dict(sorted(Counter(e.kind for e in listed).items())),
        }
        if kind_of(task).entity_types:
            results[entry.key]["confusion"] = entity_confusion(task, parsed.gold, parsed, options)
