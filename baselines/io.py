"""Rows as the baselines read them: label names and documents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nkru.tasks import ClassLabels, Task, get_task

from .protocol import Row


def label_name(task: str | Task, value: Any) -> Any:
    """The name of a label integer of ``task``'s answer (names and None pass through)."""
    spec = get_task(task)
    column = spec.columns.get(spec.payload)
    if isinstance(column, ClassLabels) and isinstance(value, int) and not isinstance(value, bool):
        return column.names[value]
    return value


def by_document(rows: Sequence[Row]) -> dict[str, list[Row]]:
    """Rows grouped by ``document_id`` (documents sorted, row order kept)."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(str(row["document_id"]), []).append(row)
    return dict(sorted(groups.items()))
