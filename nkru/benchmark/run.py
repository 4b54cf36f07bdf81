"""The main job: validate, build if stale, train/predict/score every system, LODO, write results.

:func:`run_benchmark` does it all and returns the leaderboard (also written to
``<output>/leaderboard.json``). Steps:

1. validate the Label Studio exports (``nkru.annotation.validate.validate_exports``);
2. rebuild the dataset (``nkru.dataset.build.build``) when stale: a config file is missing or the
   export and raw-text sha256s recorded in the card differ from the current ones;
3. per task and system: ``fit`` on the train rows, ``predict`` the test rows (and validation
   rows when that split has documents), write ``predictions/<task>/<system>.jsonl``, read it
   back and score it like any user's file (``nkru.eval.api.load_gold`` + ``score_file``, with
   bootstrap intervals); the full eval report goes to ``scores/<task>/<system>.json``;
4. leave-one-document-out over every annotated document (``nkru.eval.api.score``);
5. ``leaderboard.json``, ``leaderboard.md``, ``report.html``; the dataset card and the top-level
   README's leaderboard section are regenerated from ``leaderboard.md``.

Everything is seeded; no timestamps or timings are written, so a second run gives identical files.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from nkru.benchmark.curve import learning_curve
from nkru.benchmark.systems import BASELINE, FLOOR, Entry, builtin_systems, comparable_label_map
from nkru.paths import data_dir as default_data_dir
from nkru.paths import exports_dir as default_exports_dir
from nkru.paths import project_root
from nkru.paths import results_dir as default_results_dir
from nkru.schema import SCHEMA_VERSION, TASKS
from nkru.splits import SPLITS

Log = Callable[[str], None]
FIXED_SPLITS = ("test", "validation")
CURVE_TASKS = ("ner", "claims")
_HASH = re.compile(r"`([0-9a-f]{64})`")


class BenchmarkError(Exception):
    """The benchmark cannot run. ``code``: 1 failure (bad annotations), 2 bad input."""

    def __init__(self, message: str, code: int = 1, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.problems = list(problems)


@dataclass
class Settings:
    """Where to read and write, and the scoring options."""

    output: Path = field(default_factory=default_results_dir)
    data: Path = field(default_factory=default_data_dir)
    exports: Path = field(default_factory=default_exports_dir)
    readme: Path | None = None
    bootstrap: int = 1000
    seed: int = 0
    lodo: bool = True
    update_card: bool = True  # only when ``output`` is the project's results folder
    level: float = 0.95
    curve_subsets: int | None = None  # learning curve: at most this many subsets per size


class Progress:
    """What the pipeline reports while it runs (the CLI plugs rich in; tests use the default)."""

    def log(self, message: str) -> None:
        """A one-line message."""

    def stage(self, name: str, total: int) -> AbstractContextManager[Any]:
        """A stage of ``total`` steps."""
        return nullcontext()

    def advance(self, description: str = "") -> None:
        """One step of the current stage done."""


# ---------------------------------------------------------------------------------- dataset


def input_hashes(exports: Path) -> dict[str, str]:
    """The sha256 of every input the dataset is built from: exports and the annotated texts."""
    from nkru.corpus import get_document
    from nkru.dataset.ground_truth import export_files

    files = export_files(exports)
    hashes = {f"export:{doc}": f.sha256 for doc, f in files.items()}
    for doc in files:
        hashes[f"text:{doc}"] = get_document(doc).sha256
    return hashes


def stale_reason(data: Path, exports: Path) -> str | None:
    """Why the dataset in ``data`` must be rebuilt from ``exports``, or None if it is current."""
    from nkru.dataset.features import CONFIGS

    card = data / "README.md"
    if not card.is_file():
        return f"{card} does not exist"
    missing = [c for c in CONFIGS if not any((data / c).glob("*.parquet"))]
    if missing:
        return f"no parquet files for {', '.join(missing)}"
    recorded = set(_HASH.findall(card.read_text(encoding="utf-8")))
    current = input_hashes(exports)
    changed = sorted(k for k, v in current.items() if v not in recorded)
    if changed:
        return "inputs changed since the last build: " + ", ".join(changed)
    if len(recorded) != len(set(current.values())):
        return "the card records inputs that no longer exist"
    return None


def validate_annotations(exports: Path, progress: Progress) -> None:
    """Validate every export; raise :class:`BenchmarkError` listing the errors."""
    from nkru.annotation.validate import validate_exports

    report = validate_exports(exports)
    from rich.markup import escape

    for warning in report.warnings[:5]:
        progress.log(f"[yellow]{escape(str(warning))}[/]")
    if len(report.warnings) > 5:
        progress.log(f"[yellow]… {len(report.warnings) - 5} more warnings[/]")
    if report.errors:
        raise BenchmarkError(
            f"{len(report.errors)} annotation error(s) in {exports}",
            1,
            [str(p) for p in report.errors],
        )
    progress.log(f"annotations: {report.files} export(s) valid, {len(report.warnings)} warning(s)")


def ensure_dataset(settings: Settings, progress: Progress) -> dict[str, Any]:
    """Validate the exports and build the dataset if stale; returns the ground truth records."""
    from nkru.corpus import CorpusError
    from nkru.dataset.build import build
    from nkru.dataset.examples import BuildError
    from nkru.dataset.ground_truth import export_files, load_ground_truth

    exports = settings.exports
    if not exports.is_dir() or not any(exports.glob("*.json")):
        if (settings.data / "README.md").is_file():
            progress.log(f"[yellow]no exports in {exports}: using the built dataset as is[/]")
            return {}
        raise BenchmarkError(
            f"no Label Studio exports in {exports} and no dataset in {settings.data}", 2
        )
    validate_annotations(exports, progress)
    try:
        annotations = load_ground_truth(exports, log=progress.log)
        reason = stale_reason(settings.data, exports)
        if reason is None:
            progress.log(f"dataset {settings.data} is up to date")
        else:
            progress.log(f"building {settings.data}: {reason}")
            build(
                annotations,
                settings.data,
                exports=export_files(exports),
                results=settings.output,
                log=lambda m: None,
            )
    except (BuildError, CorpusError) as err:
        problems = list(getattr(err, "problems", [str(err)]))
        raise BenchmarkError("cannot build the dataset", 1, problems) from None
    return annotations


def refresh_card(settings: Settings, annotations: dict[str, Any], progress: Progress) -> None:
    """Rebuild the card so it carries the new leaderboard (parquet bytes are unchanged)."""
    if not settings.update_card or not annotations:
        return
    if settings.output.resolve() != default_results_dir().resolve():
        progress.log(f"dataset card not updated: {settings.output} is not {default_results_dir()}")
        return
    from nkru.dataset.build import build
    from nkru.dataset.ground_truth import export_files

    report = build(
        annotations,
        settings.data,
        exports=export_files(settings.exports),
        results=settings.output,
        log=lambda m: None,
    )
    if report.written:
        progress.log(f"dataset card updated: {settings.data / 'README.md'}")


# ------------------------------------------------------------------------------------- rows


def available_splits(data: Path, task: str) -> list[str]:
    return [s for s in SPLITS if (data / task / f"{s}.parquet").is_file()]


def load_rows(data: Path) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """task -> split -> plain rows (label names) of the built dataset."""
    import datasets

    from nkru.baselines.io import as_rows
    from nkru.eval.gold import load_split_rows

    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    return {
        task: {
            split: as_rows(task, load_split_rows(task, split, data))
            for split in available_splits(data, task)
        }
        for task in TASKS
    }


def annotated_documents(rows: dict[str, dict[str, list[dict[str, Any]]]]) -> list[str]:
    docs = {str(r["document_id"]) for splits in rows.values() for rs in splits.values() for r in rs}
    return sorted(docs)


# ---------------------------------------------------------------------------------- systems


def _fit(system: Any, rows: list[dict[str, Any]]) -> Any:
    fit = getattr(system, "fit", None)
    if callable(fit):
        fitted = fit(rows)
        return fitted if fitted is not None else system
    return system


def _predict(system: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    predictions = system.predict(rows)
    return [dict(p) for p in predictions]


def _error(err: BaseException) -> str:
    from nkru.eval.problems import ValidationFailed

    if isinstance(err, ValidationFailed):
        errors = [str(p) for p in err.problems if p.severity == "error"]
        return f"invalid predictions ({len(errors)} errors): " + "; ".join(errors[:3])
    return f"{type(err).__name__}: {err}"


def run_fixed(
    entry: Entry,
    rows: dict[str, list[dict[str, Any]]],
    settings: Settings,
    gold_cache: dict[tuple, Any],
) -> dict[str, Any]:
    """Fit on train, predict/write/read back/score test (and validation)."""
    from nkru.baselines.io import write_jsonl
    from nkru.eval.api import Options, load_gold, score_file

    task = entry.task
    result: dict[str, Any] = {"splits": {}}
    train = rows.get("train") or []
    if not train and entry.kind != "user":
        result["error"] = "no training rows (the train split has no annotated document)"
        return result
    try:
        system = _fit(entry.factory(), train)
    except Exception as err:
        result["error"] = f"fit failed: {_error(err)}"
        return result
    options = Options(
        label_map=entry.label_map,
        bootstrap=settings.bootstrap,
        seed=settings.seed,
        level=settings.level,
    )
    for split in FIXED_SPLITS:
        split_rows = rows.get(split) or []
        if not split_rows:
            continue
        suffix = "" if split == "test" else f".{split}"
        path = settings.output / "predictions" / task / f"{entry.name}{suffix}.jsonl"
        try:
            write_jsonl(_predict(system, split_rows), path)
            key = (task, split)
            if key not in gold_cache:  # what `nkru eval TASK FILE --split SPLIT` loads
                gold_cache[key] = load_gold(task, split=split, data_dir=settings.data)
            gold = gold_cache[key]
            report = score_file(gold, path, options)
        except Exception as err:
            result["splits"][split] = {"error": _error(err)}
            continue
        score_path = settings.output / "scores" / task / f"{entry.name}{suffix}.json"
        score_path.parent.mkdir(parents=True, exist_ok=True)
        score_path.write_text(
            json.dumps(report, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        headline = report["headline"]
        result["splits"][split] = {
            "value": headline["value"],
            "ci_low": headline["ci_low"],
            "ci_high": headline["ci_high"],
            "examples": report["examples"]["gold"],
            "predictions": path.relative_to(settings.output).as_posix(),
            "scores": score_path.relative_to(settings.output).as_posix(),
        }
        mapping = comparable_label_map(task)
        if mapping is not None:
            mapped = score_file(gold, path, replace(options, label_map=mapping))["headline"]
            result["splits"][split]["mapped"] = {
                k: mapped[k] for k in ("value", "ci_low", "ci_high")
            }
    return result


def run_lodo(
    entry: Entry,
    rows: dict[str, list[dict[str, Any]]],
    documents: list[str],
    progress: Progress,
    fitted: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Leave-one-document-out: train on the other documents, score the held-out one.

    ``fitted`` (if given) receives the system fitted for each held-out document."""
    from nkru.eval.api import score
    from nkru.eval.gold import gold_from_rows

    task = entry.task
    every = [r for split in SPLITS for r in rows.get(split) or []]
    folds: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    pooled_gold: list[dict[str, Any]] = []
    pooled_predictions: list[dict[str, Any]] = []
    for doc in documents:
        held = [r for r in every if str(r["document_id"]) == doc]
        train = [r for r in every if str(r["document_id"]) != doc]
        progress.advance(f"{entry.key} LODO {doc}")
        if not held:
            skipped.append({"document": doc, "reason": "no examples of this task"})
            continue
        if not train and entry.kind != "user":
            skipped.append({"document": doc, "reason": "no training examples in other documents"})
            continue
        try:
            system = _fit(entry.factory(), train)
            if fitted is not None:
                fitted[doc] = system
            predictions = _predict(system, held)
            report = score(
                task,
                gold_from_rows(task, held),
                predictions,
                bootstrap=0,
                label_map=entry.label_map,
            )
        except Exception as err:
            skipped.append({"document": doc, "reason": _error(err)})
            continue
        folds.append(
            {
                "document": doc,
                "value": report["headline"]["value"],
                "examples": report["examples"]["gold"],
            }
        )
        pooled_gold.extend(gold_from_rows(task, held))
        pooled_predictions.extend(predictions)
    values = np.array([f["value"] for f in folds], dtype=float)
    result = {
        "mean": float(values.mean()) if len(values) else None,
        "std": float(values.std(ddof=1)) if len(values) > 1 else (0.0 if len(values) else None),
        "folds": folds,
        "skipped": skipped,
    }
    mapping = comparable_label_map(task)
    if mapping is not None and folds:
        mapped = score(task, pooled_gold, pooled_predictions, bootstrap=0, label_map=mapping)
        result["mapped_pooled"] = mapped["headline"]["value"]
    return result


def run_curves(
    entries: Sequence[Entry],
    rows: dict[str, dict[str, list[dict[str, Any]]]],
    fitted: dict[str, dict[str, Any]],
    settings: Settings,
    progress: Progress,
) -> dict[str, Any]:
    """Learning curves (:mod:`nkru.benchmark.curve`) of the learned baselines of
    :data:`CURVE_TASKS`, with the floor's pooled leave-one-document-out score beside them
    (needs two annotated documents of the task)."""
    curves: dict[str, Any] = {}
    for task in CURVE_TASKS:
        every = [r for split in SPLITS for r in rows[task].get(split) or []]
        learned = [e for e in entries if e.task == task and e.kind == BASELINE]
        floor = next(e for e in entries if e.task == task and e.name == FLOOR[task])
        documents = len({r["document_id"] for r in every})
        if documents < 2:
            continue
        floor_points = learning_curve(task, floor.factory, every, sizes=[documents - 1])
        curve: dict[str, Any] = {
            "metric": TASKS[task].headline,
            "floor": {"name": floor.name, "value": floor_points[0]["pooled"]},
            "systems": {},
        }
        with progress.stage(f"learning curve ({task})", len(learned)):
            for entry in learned:
                progress.advance(entry.key)
                curve["systems"][entry.name] = learning_curve(
                    task,
                    entry.factory,
                    every,
                    label_map=entry.label_map,
                    fitted=fitted[entry.key],
                    max_subsets=settings.curve_subsets,
                    seed=settings.seed,
                )
        curves[task] = curve
    return curves


# ------------------------------------------------------------------------------------- main


def _dataset_summary(rows: dict[str, dict[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    splits = {
        split: sorted({str(r["document_id"]) for t in rows.values() for r in t.get(split) or []})
        for split in SPLITS
    }
    return {
        "documents": annotated_documents(rows),
        "splits": {s: d for s, d in splits.items() if d},
        "examples": {t: {s: len(r) for s, r in splits_.items()} for t, splits_ in rows.items()},
    }


def run_benchmark(
    settings: Settings | None = None,
    systems: Iterable[Entry] = (),
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run the whole benchmark; returns the leaderboard written to ``leaderboard.json``."""
    from nkru.benchmark.leaderboard import (
        build_leaderboard,
        render_markdown,
        update_readme,
        write_json,
    )
    from nkru.benchmark.report import write_report
    from nkru.benchmark.troops import troop_points

    settings = settings or Settings()
    progress = progress or Progress()
    entries = [*builtin_systems(), *systems]
    output = settings.output
    output.mkdir(parents=True, exist_ok=True)

    annotations = ensure_dataset(settings, progress)
    rows = load_rows(settings.data)
    documents = annotated_documents(rows)
    if not documents:
        raise BenchmarkError(f"the dataset in {settings.data} has no rows", 1)

    results: dict[str, dict[str, Any]] = {}
    gold_cache: dict[tuple, Any] = {}
    with progress.stage("train, predict, score (fixed split)", len(entries)):
        for entry in entries:
            progress.advance(entry.key)
            results[entry.key] = run_fixed(entry, rows[entry.task], settings, gold_cache)
    fitted: dict[str, dict[str, Any]] = {entry.key: {} for entry in entries}
    if settings.lodo:
        with progress.stage(
            f"leave-one-document-out ({len(documents)} folds)", len(entries) * len(documents)
        ):
            for entry in entries:
                results[entry.key]["lodo"] = run_lodo(
                    entry, rows[entry.task], documents, progress, fitted[entry.key]
                )

    summary = _dataset_summary(rows)
    board = build_leaderboard(entries, results, rows, summary, settings)
    if settings.lodo:
        board["learning_curve"] = run_curves(entries, rows, fitted, settings, progress)
    write_json(board, output / "leaderboard.json")
    markdown = render_markdown(board)
    (output / "leaderboard.md").write_text(markdown, encoding="utf-8")

    dates = _document_dates(annotations or {})
    points = troop_points(annotations, dates) if annotations else []
    write_json(
        {"schema_version": SCHEMA_VERSION, "points": [p.to_dict() for p in points]},
        output / "troops.json",
    )
    with progress.stage("report", 1):
        write_report(board, output, points)
        progress.advance("report.html")
    progress.log(
        f"wrote {output / 'leaderboard.md'}, {output / 'leaderboard.json'}, "
        f"{output / 'report.html'}"
    )

    refresh_card(settings, annotations, progress)
    readme = settings.readme
    if readme is None and output.resolve() == default_results_dir().resolve():
        readme = project_root() / "README.md"
    if readme is not None and readme.is_file():
        try:
            if update_readme(readme, markdown):
                progress.log(f"README leaderboard section updated: {readme}")
        except ValueError as err:
            progress.log(f"[yellow]README not updated: {err}[/]")
    return board


def _document_dates(annotations: dict[str, Any]) -> dict[str, str | None]:
    from nkru.corpus import get_document

    out: dict[str, str | None] = {}
    for doc in annotations:
        meta = get_document(doc).metadata or {}
        out[doc] = meta.get("date")
    return out


def digest(path: Path) -> str:
    """sha256 of a file (for the determinism checks)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
