"""Explicit ``datasets.Features`` of every config: the documents config, and each task's
columns as its declaration (:mod:`nkru.tasks`) gives them.

Column names are a contract with the evaluation harness (``nkru.eval.gold``): do not rename.
"""

from __future__ import annotations

from collections.abc import Iterable

from datasets import ClassLabel, Features, List, Value

from nkru.tasks import DOCUMENTS, TASKS, ClassLabels, Column, Task

_INT = Value("int32")
_STR = Value("string")

DOCUMENT_FEATURES = Features(
    {
        "id": _STR,
        "title": _STR,
        "publisher": _STR,
        "authors": List(_STR),
        "date": _STR,
        "language": _STR,
        "text": _STR,
        "sha256": _STR,
        "split": _STR,
        "boilerplate": List({"start": _INT, "end": _INT, "reason": _STR}),
        "n_sentences": _INT,
        "n_tokens": _INT,
    }
)


def feature(column: Column):
    """The ``datasets`` feature of a declared column type."""
    if isinstance(column, ClassLabels):
        return ClassLabel(names=list(column.names))
    if isinstance(column, list):
        (item,) = column
        return List(feature(item))
    if isinstance(column, dict):
        return {name: feature(item) for name, item in column.items()}
    return Value(column)


def task_features(task: Task) -> Features:
    """The features of a task's config."""
    return Features({name: feature(column) for name, column in task.columns.items()})


def config_features(tasks: Iterable[Task] = TASKS.values()) -> dict[str, Features]:
    """Features of every config: ``documents`` then one per task."""
    return {DOCUMENTS: DOCUMENT_FEATURES, **{t.name: task_features(t) for t in tasks}}


FEATURES: dict[str, Features] = config_features()
"""The declared features of each config (``load_dataset`` returns exactly these)."""
CONFIGS: tuple[str, ...] = tuple(FEATURES)
"""Every config of the published dataset: ``documents`` plus one per benchmark task."""
