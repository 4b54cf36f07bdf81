"""Protocols: fit on training rows, predict held-out rows, write JSON Lines.

Pure functions: they return predictions (and timings) and write files only when asked. Scoring
is separate (``nkru.eval``); :func:`summarize` gives mean and spread of per-fold scores.

- :func:`run`: one system, train rows → test rows (→ JSONL).
- :func:`fixed_split`: the document-level splits of :mod:`nkru.splits`: fit on ``train``,
  predict every other split present (validation, test) with rows.
- :func:`leave_one_document_out`: for every annotated document, fit on all the others and
  predict it; returns predictions per held-out document.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.progress import Progress

from .io import by_document, write_jsonl
from .protocol import SEED, Prediction, Row, System
from .registry import create


@dataclass
class RunResult:
    """Predictions of one fit/predict run, with wall-clock timings in seconds."""

    system: str
    task: str
    predictions: list[Prediction]
    fit_seconds: float
    predict_seconds: float
    train_examples: int
    test_examples: int
    path: Path | None = None
    model_path: Path | None = None
    extra: dict = field(default_factory=dict)


def run(
    system: System,
    train_rows: Sequence[Row],
    test_rows: Sequence[Row],
    out_path: str | Path | None = None,
    model_path: str | Path | None = None,
) -> RunResult:
    """Fit ``system`` on ``train_rows``, predict ``test_rows``; optionally write JSONL / joblib."""
    start = time.perf_counter()
    system.fit(list(train_rows))
    fitted = time.perf_counter()
    predictions = system.predict(list(test_rows))
    done = time.perf_counter()
    if len(predictions) != len(test_rows):
        raise RuntimeError(
            f"{system.name}: {len(predictions)} predictions for {len(test_rows)} rows"
        )
    result = RunResult(
        system.name,
        system.task,
        predictions,
        fitted - start,
        done - fitted,
        len(train_rows),
        len(test_rows),
    )
    if out_path is not None:
        result.path = write_jsonl(predictions, out_path)
    if model_path is not None:
        result.model_path = system.save(model_path)
    return result


def fixed_split(
    task: str,
    name: str,
    rows_by_split: Mapping[str, Sequence[Row]],
    seed: int = SEED,
    out_dir: str | Path | None = None,
    save_model: bool = False,
) -> dict[str, RunResult]:
    """Fit on ``rows_by_split["train"]``; predict each other non-empty split.

    With ``out_dir``, writes ``<out_dir>/<split>.jsonl`` (and ``model.joblib``).
    """
    train = rows_by_split.get("train") or []
    if not train:
        raise ValueError("the train split has no rows")
    system = create(task, name, seed)
    results: dict[str, RunResult] = {}
    start = time.perf_counter()
    system.fit(list(train))
    fit_seconds = time.perf_counter() - start
    out = Path(out_dir) if out_dir is not None else None
    for split, rows in rows_by_split.items():
        if split == "train" or not rows:
            continue
        start = time.perf_counter()
        predictions = system.predict(list(rows))
        result = RunResult(
            name, task, predictions, fit_seconds, time.perf_counter() - start, len(train), len(rows)
        )
        if out is not None:
            result.path = write_jsonl(predictions, out / f"{split}.jsonl")
        results[split] = result
    if out is not None and save_model:
        model_path = system.save(out / "model.joblib")
        for result in results.values():
            result.model_path = model_path
    return results


def leave_one_document_out(
    task: str,
    name: str,
    rows: Sequence[Row],
    seed: int = SEED,
    out_dir: str | Path | None = None,
    progress: bool = True,
) -> dict[str, RunResult]:
    """For each document: fit on every other document's rows, predict its rows.

    Needs rows of at least two documents. With ``out_dir``, writes ``<out_dir>/<doc>.jsonl``.
    """
    documents = by_document(rows)
    if len(documents) < 2:
        raise ValueError(f"leave-one-document-out needs two documents, got {list(documents)}")
    out = Path(out_dir) if out_dir is not None else None
    results: dict[str, RunResult] = {}
    with Progress(disable=not progress, transient=True) as bar:
        job = bar.add_task(f"{task}/{name} LODO", total=len(documents))
        for held_out, test_rows in documents.items():
            train_rows = [r for doc, rs in documents.items() if doc != held_out for r in rs]
            path = out / f"{held_out}.jsonl" if out is not None else None
            results[held_out] = run(create(task, name, seed), train_rows, test_rows, path)
            bar.advance(job)
    return results


def summarize(scores: Mapping[str, float]) -> dict[str, float | int]:
    """Mean, sample standard deviation, min and max of per-fold scores."""
    values = list(scores.values())
    if not values:
        raise ValueError("no scores")
    return {
        "n": len(values),
        "mean": statistics.fmean(values),
        "std": statistics.stdev(values) if len(values) > 1 else 0.0,
        "min": min(values),
        "max": max(values),
    }


def cross_validate(
    task: str,
    name: str,
    rows: Sequence[Row],
    score: Callable[[Sequence[Row], list[Prediction]], float],
    seed: int = SEED,
) -> dict[str, object]:
    """Leave-one-document-out with a caller-given ``score(gold_rows, predictions) -> float``."""
    documents = by_document(rows)
    results = leave_one_document_out(task, name, rows, seed)
    scores = {doc: score(documents[doc], result.predictions) for doc, result in results.items()}
    return {"folds": scores, **summarize(scores)}
