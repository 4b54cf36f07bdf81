"""Rows in, prediction files out: dataset rows as plain dicts, label names, JSON Lines."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from nkru.schema import TASKS

from .protocol import Prediction, Row

# Columns holding a ClassLabel integer in the built dataset, per task.
_LABEL_COLUMN = {"stance": "label", "certainty": "label", "topic": "label"}


def label_name(task: str, value: Any, features: Any = None) -> Any:
    """The name of a ClassLabel value of ``task`` (strings and None pass through).

    Uses the dataset's own ``features`` when given, else the label order of
    :data:`nkru.schema.TASKS` (the order the dataset builder uses for its ClassLabels).
    """
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    column = _LABEL_COLUMN.get(task)
    feature = features.get(column) if features is not None and column else None
    if feature is not None and hasattr(feature, "int2str"):
        return feature.int2str(value)
    return TASKS[task].labels[value]


# Columns holding lists of objects; ``datasets.Sequence`` features return them as a dict of lists.
_OBJECT_LISTS = ("entities", "claims", "sources", "pairs", "sentences")


def _records(value: Any) -> Any:
    """A dict of equal-length lists as a list of dicts (anything else unchanged)."""
    if isinstance(value, dict) and value and all(isinstance(v, list) for v in value.values()):
        keys = list(value)
        return [dict(zip(keys, items, strict=True)) for items in zip(*value.values(), strict=True)]
    return value


def as_rows(task: str, rows: Iterable[Row]) -> list[Row]:
    """Plain-dict copies of dataset rows with ClassLabel integers turned into label names.

    Accepts a ``datasets.Dataset`` or any iterable of dicts (e.g. synthetic rows in tests).
    Lists of objects stored column-wise (``{"start": [...], "end": [...]}``) become lists of dicts.
    """
    features = getattr(rows, "features", None)
    out = []
    for row in rows:
        row = dict(row)
        for key in _OBJECT_LISTS:
            if key in row:
                row[key] = _records(row[key])
        column = _LABEL_COLUMN.get(task)
        if column and column in row:
            row[column] = label_name(task, row[column], features)
        out.append(row)
    return out


def load_rows(task: str, split: str, data_dir: str | Path = "data") -> list[Row]:
    """Rows of one split of the built dataset (``datasets.load_dataset(data_dir, task)``)."""
    import datasets

    dataset = datasets.load_dataset(str(data_dir), task, split=split)
    return as_rows(task, dataset)


def write_jsonl(predictions: Iterable[Prediction], path: str | Path) -> Path:
    """Write prediction objects as UTF-8 JSON Lines (one object per line)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for obj in predictions:
            handle.write(json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n")
    return path


def read_jsonl(path: str | Path) -> list[Any]:
    """Read JSON Lines written by :func:`write_jsonl`."""
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def by_document(rows: Sequence[Row]) -> dict[str, list[Row]]:
    """Rows grouped by ``document_id`` (documents sorted, row order kept)."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(str(row["document_id"]), []).append(row)
    return dict(sorted(groups.items()))
