"""The benchmark pipeline: the one every entry point runs (``nkru benchmark``,
``python -m nkru.app.benchmark``, :func:`run_benchmark`).

For every task and system (:mod:`.systems`):

1. **Fixed split**: ``fit`` on the train rows, ``predict`` the test and validation rows
   stripped to the task's inputs, write ``predictions/<task>/<system>.<split>.jsonl`` and score
   it as a user's file (``nkru eval TASK FILE --split SPLIT``).
2. **Cross-document** (the headline): for every annotated document, ``fit`` on the rows of all
   the other documents and ``predict`` its rows; the held-out predictions are pooled in
   ``predictions/<task>/<system>.pooled.jsonl`` and scored once against the gold of every
   split (``--split all``), with bootstrap intervals that resample documents and then the
   examples within them (``--bootstrap-unit nested``). Every annotated document is test data
   once, so the score rests on all the annotation instead of the one test document.
3. Every system is also scored under each of the task's label maps (the spaCy labels for NER),
   so that systems with other label sets stand in one comparable column; a system that
   declares a label map is scored under it only.
4. Every system but the floor is compared with the task's floor on the pooled predictions:
   the paired bootstrap interval over documents and the exact one-sided paired test over
   the same documents of ``nkru compare``; the leaderboard's verdict needs both.
5. Learning curves (:mod:`.curve`) of the learned baselines of the NER and claims tasks:
   what more annotated documents would buy.

It reads the built dataset (refusing a stale one: ``nkru build`` rebuilds it) and writes
into its output folder only: ``leaderboard.json`` / ``.md``, ``report.html``, ``troops.json``,
and ``predictions/`` and ``scores/``, which are emptied first so that no file of an earlier
run is left. Everything is seeded and no timestamp is written: a second run gives identical
files.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nkru.corpus import CorpusError, get_document
from nkru.errors import NkruError
from nkru.paths import data_dir as default_data_dir
from nkru.paths import exports_dir as default_exports_dir
from nkru.paths import results_dir as default_results_dir
from nkru.rows import BuildError
from nkru.splits import SPLITS
from nkru.tasks import TASKS, Row, Task, strip_rows

from ...annotation.validate import validate_exports
from ...baselines.io import by_document
from ...baselines.selection import document_folds
from ...eval.api import Options, compare, load_gold, score
from ...eval.gold import GoldSet, gold_from_rows, read_split
from ...eval.options import ALL_SPLITS
from ...eval.problems import ERROR, ValidationFailed
from ..dataset.ground_truth import export_files, load_ground_truth
from .curve import learning_curve
from .entries import BASELINE
from .leaderboard import build_leaderboard, per_class, render_markdown, write_json
from .report import write_report
from .systems import Entry, builtin_systems
from .troops import TROOPS_FORMAT, troop_points

FIXED_SPLITS = ("test", "validation")
POOLED = "pooled"
_HASH = re.compile(r"`([0-9a-f]{64})`")


class BenchmarkError(NkruError):
    """The benchmark cannot run. ``code``: 1 failure (bad annotations, stale data), 2 bad
    input."""

    def __init__(self, message: str, code: int = 1, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.code = self.exit_code = code
        self.problems = list(problems)


@dataclass
class Settings:
    """What to run, where to read and write, and the scoring options."""

    output: Path = field(default_factory=default_results_dir)
    data: Path = field(default_factory=default_data_dir)
    exports: Path = field(default_factory=default_exports_dir)
    tasks: tuple[Task, ...] = tuple(TASKS.values())
    bootstrap: int = 1000
    seed: int = 0
    lodo: bool = True
    level: float = 0.95
    curve_tasks: tuple[str, ...] = ("ner", "claims")  # learning curves of these tasks
    curve_subsets: int | None = None  # learning curve: at most this many subsets per size

    def options(self, unit: str = "example", label_map: Mapping | None = None) -> Options:
        return Options(
            label_map=label_map,
            bootstrap=self.bootstrap,
            seed=self.seed,
            bootstrap_unit=unit,
            level=self.level,
        )


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
    files = export_files(exports)
    hashes = {f"export:{doc}": f.sha256 for doc, f in files.items()}
    for doc in files:
        hashes[f"text:{doc}"] = get_document(doc).sha256
    return hashes


def stale_reason(data: Path, exports: Path, tasks: Iterable[Task] = TASKS.values()) -> str | None:
    """Why the dataset in ``data`` must be rebuilt from ``exports``, or None if it is current."""
    card = data / "README.md"
    if not card.is_file():
        return f"{card} does not exist"
    missing = [t.name for t in tasks if not any((data / t.name).glob("*.parquet"))]
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


def check_dataset(settings: Settings, progress: Progress) -> dict[str, Any]:
    """Validate the exports and refuse a stale dataset; returns the ground truth (for the troop
    chart), or ``{}`` when there are no exports and the built dataset is used as it is."""
    exports = settings.exports
    if not exports.is_dir() or not any(exports.glob("*.json")):
        if (settings.data / "README.md").is_file():
            progress.log(f"[yellow]no exports in {exports}: using the built dataset as is[/]")
            return {}
        raise BenchmarkError(
            f"no Label Studio exports in {exports} and no dataset in {settings.data}", 2
        )
    report = validate_exports(exports)
    for warning in report.warnings[:5]:
        progress.log(f"[yellow]{warning}[/]")
    if report.errors:
        raise BenchmarkError(
            f"{len(report.errors)} annotation error(s) in {exports}",
            1,
            [str(p) for p in report.errors],
        )
    try:
        reason = stale_reason(settings.data, exports, settings.tasks)
        annotations = load_ground_truth(exports)
    except (BuildError, CorpusError) as err:
        raise BenchmarkError(
            "cannot read the annotations", 1, getattr(err, "problems", [])
        ) from None
    if reason is not None:
        raise BenchmarkError(
            f"the dataset in {settings.data} is out of date ({reason}): run `nkru build` first"
        )
    progress.log(f"dataset {settings.data} is up to date with {exports}")
    return annotations


def load_rows(data: Path, tasks: Iterable[Task]) -> dict[str, dict[str, list[Row]]]:
    """task -> split -> plain rows (label names) of the built dataset."""
    out: dict[str, dict[str, list[Row]]] = {}
    for task in tasks:
        folder = data / task.name
        out[task.name] = {
            split: read_split(task, split, data)
            for split in SPLITS
            if (folder / f"{split}.parquet").is_file()
        }
    return out


# ---------------------------------------------------------------------------- fit, predict


def fit(system: Any, rows: list[Row]) -> Any:
    """``system.fit(rows)`` (whole rows) when it has ``fit``; returns the fitted system."""
    method = getattr(system, "fit", None)
    if callable(method):
        fitted = method(rows)
        return fitted if fitted is not None else system
    return system


def predict(system: Any, task: Task, rows: list[Row]) -> list[dict[str, Any]]:
    """The system's predictions for ``rows``, which it sees stripped to the task's inputs."""
    predictions = [dict(p) for p in system.predict(strip_rows(task, rows))]
    if len(predictions) != len(rows):
        raise ValueError(f"{len(predictions)} predictions for {len(rows)} rows")
    return predictions


def fixed_split(
    factory: Callable[[], Any], task: Task, rows: Mapping[str, list[Row]]
) -> dict[str, list[dict[str, Any]]]:
    """Fit on the train rows; predict every other split with rows (test, validation)."""
    system = fit(factory(), rows.get("train") or [])
    return {split: predict(system, task, rows[split]) for split in FIXED_SPLITS if rows.get(split)}


def leave_one_document_out(
    factory: Callable[[], Any],
    task: Task,
    rows: Sequence[Row],
    progress: Progress | None = None,
    fitted: dict[str, Any] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """For every document with rows: a fresh system fitted on the rows of all the other
    documents predicts its rows. Needs rows of two documents. ``fitted`` receives each
    held-out document's fitted system (the learning curve reuses their settings)."""
    cross = document_folds(rows)
    if not cross:
        documents = list(by_document(rows))
        raise ValueError(f"leave-one-document-out needs two documents, got {documents}")
    folds = {}
    for held, (train, held_rows) in cross.items():
        if progress is not None:
            progress.advance(f"{task.name} without {held}")
        system = fit(factory(), train)
        if fitted is not None:
            fitted[held] = system
        folds[held] = predict(system, task, held_rows)
    return folds


def write_predictions(predictions: Iterable[dict[str, Any]], path: Path) -> Path:
    """Prediction objects as UTF-8 JSON Lines (one object per line, keys sorted)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for obj in predictions:
            handle.write(json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n")
    return path


def describe_error(err: BaseException) -> str:
    """A one-line account of a system's failure."""
    if isinstance(err, ValidationFailed):
        errors = [str(p) for p in err.problems if p.severity == ERROR]
        return f"invalid predictions ({len(errors)} errors): " + "; ".join(errors[:3])
    return f"{type(err).__name__}: {err}"


# ----------------------------------------------------------------------------------- scoring


class Scoring:
    """Scores prediction files of one run, as ``nkru eval`` would, and writes the reports."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.golds: dict[tuple[str, str, str | None], GoldSet] = {}

    def gold(self, task: Task, split: str, label_map: str | None) -> GoldSet:
        key = (task.name, split, label_map)
        if key not in self.golds:
            self.golds[key] = load_gold(
                task, split=split, data_dir=self.settings.data, label_map=task.label_map(label_map)
            )
        return self.golds[key]

    def score(self, entry: Entry, split: str, path: Path, label_map: str | None) -> dict[str, Any]:
        """The headline figures of a prediction file; its report in ``scores/``."""
        task, output = entry.task, self.settings.output
        unit = "nested" if split == ALL_SPLITS else "example"
        try:
            report = score(
                task,
                self.gold(task, split, label_map),
                path,
                self.settings.options(unit, task.label_map(label_map)),
            ).to_dict()
        except Exception as err:
            return {"error": describe_error(err)}
        name = path.name.removesuffix(".jsonl") + (f".{label_map}" if label_map else "")
        scores = output / "scores" / task.name / f"{name}.json"
        write_json(report, scores)
        head = report["headline"]
        return {
            "value": head["value"],
            "ci_low": head["ci_low"],
            "ci_high": head["ci_high"],
            "examples": report["examples"]["gold"],
            "units": report["bootstrap"]["units"],
            "per_class": per_class(report),
            "predictions": path.relative_to(output).as_posix(),
            "scores": scores.relative_to(output).as_posix(),
        }

    def compare(
        self, entry: Entry, path: Path, floor: Path, label_map: str | None
    ) -> dict[str, Any]:
        """``nkru compare --bootstrap-unit document --alternative greater`` of a pooled
        prediction file with the floor's: interval and exact test over the held-out documents."""
        task = entry.task
        try:
            result = compare(
                task,
                self.gold(task, ALL_SPLITS, label_map),
                path,
                floor,
                self.settings.options("document", task.label_map(label_map)),
                alternative="greater",
            )
        except Exception as err:
            return {"error": describe_error(err)}
        return {
            "floor": task.floor,
            "delta": result.delta,
            "ci_low": result.ci_low,
            "ci_high": result.ci_high,
            "p_value": result.p_value,
            "p_floor": result.p_floor,
            "alternative": result.alternative,
            "unit": result.test_unit,
            "units": result.test_units,
            "label_map": label_map,
        }


def _path(output: Path, entry: Entry, split: str) -> Path:
    return output / "predictions" / entry.task.name / f"{entry.name}.{split}.jsonl"


def _fold_values(entry: Entry, folds: Mapping[str, list[dict]], documents: Mapping) -> list:
    """Each held-out document's headline (no bootstrap), for the report."""
    values = []
    label_map = entry.task.label_map(entry.label_map)
    for doc, predictions in folds.items():
        report = score(
            entry.task,
            gold_from_rows(entry.task, documents[doc]),
            predictions,
            Options(bootstrap=0, label_map=label_map),
        )
        values.append(
            {"document": doc, "value": report.headline.value, "examples": len(documents[doc])}
        )
    return values


def run_entry(
    entry: Entry,
    rows: Mapping[str, list[Row]],
    scoring: Scoring,
    progress: Progress,
    fitted: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Fixed split and cross-document runs of one system, scored (step 1 to 3); ``fitted``
    receives the system of each cross-document fold."""
    settings, task = scoring.settings, entry.task
    result: dict[str, Any] = {"splits": {}, "pooled": None, "folds": [], "mapped": {}}
    maps = [entry.label_map] if entry.label_map else [None, *task.label_maps]
    written: dict[str, Path] = {}
    try:
        fixed = fixed_split(entry.factory, task, rows)
        every = [r for split in SPLITS for r in rows.get(split) or []]
        documents = by_document(every)
        folds = {}
        if settings.lodo and len(documents) > 1:
            folds = leave_one_document_out(entry.factory, task, every, progress, fitted)
    except Exception as err:
        result["error"] = describe_error(err)
        return result
    for split, predictions in fixed.items():
        written[split] = write_predictions(predictions, _path(settings.output, entry, split))
    if folds:
        pooled = {p["id"]: p for preds in folds.values() for p in preds}
        in_gold_order = [pooled[r["id"]] for r in every if r["id"] in pooled]
        written[POOLED] = write_predictions(in_gold_order, _path(settings.output, entry, POOLED))
        result["folds"] = _fold_values(entry, folds, documents)
    for label_map in maps:
        figures = {
            split: scoring.score(entry, ALL_SPLITS if split == POOLED else split, path, label_map)
            for split, path in written.items()
        }
        if label_map is None:
            result["pooled"] = figures.pop(POOLED, None)
            result["splits"] = figures
        else:
            result["mapped"][label_map] = figures
    return result


# ------------------------------------------------------------------------------------- main


def _clear(output: Path) -> None:
    """Empty ``predictions/`` and ``scores/`` (only the pipeline writes there)."""
    for name in ("predictions", "scores"):
        shutil.rmtree(output / name, ignore_errors=True)


def _compare_with_floors(
    entries: Sequence[Entry], results: dict[str, dict[str, Any]], scoring: Scoring
) -> None:
    """Step 4: each system's pooled predictions against its task's floor's."""
    output = scoring.settings.output
    floors = {e.task.name: e for e in entries if e.is_floor}
    for entry in entries:
        floor = floors.get(entry.task.name)
        if floor is None or entry.is_floor:
            continue
        mine, theirs = _path(output, entry, POOLED), _path(output, floor, POOLED)
        if mine.is_file() and theirs.is_file():
            results[entry.key]["versus_floor"] = scoring.compare(
                entry, mine, theirs, entry.label_map
            )


def run_curves(
    entries: Sequence[Entry],
    rows: dict[str, dict[str, list[Row]]],
    fitted: dict[str, dict[str, Any]],
    settings: Settings,
    progress: Progress,
) -> dict[str, Any]:
    """Learning curves (:mod:`.curve`) of the learned baselines of ``settings.curve_tasks``,
    with the floor's pooled cross-document score beside them (needs two annotated documents
    of the task)."""
    curves: dict[str, Any] = {}
    for task in settings.tasks:
        if task.name not in settings.curve_tasks:
            continue
        every = [r for split in SPLITS for r in rows[task.name].get(split) or []]
        documents = len(by_document(every))
        learned = [e for e in entries if e.task is task and e.kind == BASELINE]
        floor = next((e for e in entries if e.task is task and e.is_floor), None)
        if documents < 2 or floor is None:
            continue
        (floor_point,) = learning_curve(task, floor.factory, every, sizes=[documents - 1])
        curve: dict[str, Any] = {
            "metric": task.headline,
            "floor": {"name": floor.name, "value": floor_point["pooled"]},
            "systems": {},
        }
        with progress.stage(f"learning curve ({task.name})", len(learned)):
            for entry in learned:
                progress.advance(entry.key)
                curve["systems"][entry.name] = learning_curve(
                    task,
                    entry.factory,
                    every,
                    label_map=task.label_map(entry.label_map),
                    fitted=fitted.get(entry.key),
                    max_subsets=settings.curve_subsets,
                    seed=settings.seed,
                )
        curves[task.name] = curve
    return curves


def _dataset_summary(rows: dict[str, dict[str, list[Row]]]) -> dict[str, Any]:
    splits = {
        split: sorted({str(r["document_id"]) for t in rows.values() for r in t.get(split) or []})
        for split in SPLITS
    }
    documents = sorted({d for docs in splits.values() for d in docs})
    return {
        "documents": documents,
        "splits": {s: d for s, d in splits.items() if d},
        "examples": {t: {s: len(r) for s, r in splits_.items()} for t, splits_ in rows.items()},
    }


def run_benchmark(
    settings: Settings | None = None,
    systems: Iterable[Entry] = (),
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run the whole benchmark; returns the leaderboard written to ``leaderboard.json``."""
    settings = settings or Settings()
    progress = progress or Progress()
    entries = [*builtin_systems(settings.tasks), *systems]
    output = settings.output
    annotations = check_dataset(settings, progress)
    rows = load_rows(settings.data, settings.tasks)
    summary = _dataset_summary(rows)
    if not summary["documents"]:
        raise BenchmarkError(f"the dataset in {settings.data} has no rows", 1)
    output.mkdir(parents=True, exist_ok=True)
    _clear(output)
    scoring = Scoring(settings)
    results: dict[str, dict[str, Any]] = {}
    fitted: dict[str, dict[str, Any]] = {entry.key: {} for entry in entries}
    steps = len(entries) * (1 + len(summary["documents"]) * settings.lodo)
    with progress.stage("fit, predict, score", steps):
        for entry in entries:
            progress.advance(entry.key)
            results[entry.key] = run_entry(
                entry, rows[entry.task.name], scoring, progress, fitted[entry.key]
            )
    _compare_with_floors(entries, results, scoring)
    board = build_leaderboard(entries, results, rows, summary, settings)
    if settings.lodo:
        board["learning_curve"] = run_curves(entries, rows, fitted, settings, progress)
    write_json(board, output / "leaderboard.json")
    (output / "leaderboard.md").write_text(render_markdown(board), encoding="utf-8")
    dates = {doc: get_document(doc).date for doc in annotations}
    points = troop_points(annotations, dates) if annotations else []
    write_json(
        {"format_version": TROOPS_FORMAT, "points": [p.to_dict() for p in points]},
        output / "troops.json",
    )
    with progress.stage("report", 1):
        write_report(board, output, points)
        progress.advance("report.html")
    progress.log(
        f"wrote {output / 'leaderboard.md'}, {output / 'leaderboard.json'}, "
        f"{output / 'report.html'}"
    )
    return board
