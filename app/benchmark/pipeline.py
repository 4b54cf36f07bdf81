"""The benchmark pipeline: the one every entry point runs (``nkru benchmark``,
``python -m nkru.app.benchmark``, :func:`run_benchmark`).

Systems' predictions are stored as runs (:mod:`.runs`): for every task and system
(:mod:`.systems`) the predictions of the fixed split, of each held-out document and of each
learning-curve fit, with the hashes of the rows they were made from. The pipeline:

1. **Runs up to date** (:mod:`.fits`): a stored run's evaluations are reused when current,
   the stale ones refitted (``refit`` forces), each fit in a fresh process
   (:mod:`.isolation`); changed runs are written to the runs folder (``results/runs/``,
   committed). Runs made elsewhere (``external``, :mod:`.external`) are validated and added.
2. **Fixed split**: the test and validation files of each run scored as a user's file
   (``nkru eval TASK FILE --split SPLIT``).
3. **Cross-document** (the headline): the held-out documents' predictions pooled in
   ``predictions/<task>/<system>.pooled.jsonl`` and scored once against the gold of every
   split (``--split all``), with bootstrap intervals that resample documents and then the
   examples within them (``--bootstrap-unit nested``).
4. Every system is also scored under each of the task's label maps (the spaCy labels for NER);
   a system that declares a label map is scored under it only.
5. Every system but the floor is compared with the task's floor on the pooled predictions:
   the paired bootstrap interval over documents and the exact one-sided paired test over
   the same documents of ``nkru compare``; the leaderboard's verdict needs both.
6. Every system's pooled predictions listed error by error (:mod:`.analysis`):
   ``errors/<task>/<system>.csv``, with the entity-type confusion matrix for NER.
7. Learning curves (:mod:`.curve`) of the learned baselines of the NER and claims tasks, scored
   from their runs.

It reads the built dataset (refusing a stale one: ``nkru build`` rebuilds it) and writes into
its output folder only: ``leaderboard.json`` / ``.md``, ``scores.csv`` (:mod:`.tidy`),
``report.html``, ``troops.json``, the derived ``predictions/``, ``scores/`` and ``errors/``
(emptied first), and the runs folder. Everything is
seeded and no timestamp is written: a second run gives identical files.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
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
from nkru.tasks import TASKS, Row, Task

from ...annotation.validate import validate_exports
from ...baselines.io import by_document
from ...eval.api import Options, compare, load_gold, score
from ...eval.gold import GoldSet, gold_from_rows, read_split
from ...eval.options import ALL_SPLITS
from ...eval.problems import ERROR, ValidationFailed
from ..dataset.ground_truth import export_files, load_ground_truth
from .analysis import ERRORS, write_errors
from .curve import curve_fits, curve_points
from .entries import Entry
from .external import RunsError, load_external
from .fits import Policy, every_row, has_curve, refresh, write_traceback
from .leaderboard import build_leaderboard, per_class, render_markdown, write_json
from .profile import Profile
from .report import write_report
from .runs import Run, load_run, lodo_name, run_folder, write_jsonl, write_run
from .systems import builtin_systems
from .tidy import write_scores_csv
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
    runs: Path | None = None  # where runs are written (default: output/runs)
    stored: tuple[Path, ...] = ()  # read-only runs folders (the committed runs)
    external: Path | None = None  # runs made elsewhere, scored beside the others
    refit: bool = False  # refit every system (but the expensive ones with current runs)
    refit_expensive: bool = False
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)

    def run_root(self) -> Path:
        return self.runs if self.runs is not None else self.output / "runs"

    def policy(self) -> Policy:
        return Policy(
            self.refit,
            self.refit_expensive,
            self.workers,
            self.lodo,
            self.curve_tasks,
            self.curve_subsets,
            self.seed,
        )

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


# -------------------------------------------------------------------------------------- runs


def stored_runs(entries: Sequence[Entry], settings: Settings) -> dict[str, tuple[Run, Path]]:
    """Each entry's stored run and its folder: in the runs folder, else in a read-only one
    (the committed runs, for a user's benchmark)."""
    found = {}
    for entry in entries:
        for root in (settings.run_root(), *settings.stored):
            folder = run_folder(root, entry.task.name, entry.name)
            run = load_run(folder, entry.task.name, entry.identity())
            if run is not None and run.records:
                found[entry.key] = (run, folder)
                break
    return found


def describe_error(err: ValidationFailed) -> str:
    """A one-line account of a system's invalid predictions."""
    errors = [str(p) for p in err.problems if p.severity == ERROR]
    return f"invalid predictions ({len(errors)} errors): " + "; ".join(errors[:3])


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

    def score(
        self, entry: Entry, evaluation: str, path: Path, label_map: str | None
    ) -> dict[str, Any]:
        """The headline figures of a prediction file (a fixed split, or ``pooled``: every
        held-out document); its report in ``scores/``."""
        task, output = entry.task, self.settings.output
        split = ALL_SPLITS if evaluation == POOLED else evaluation
        unit = "nested" if split == ALL_SPLITS else "example"
        try:
            report = score(
                task,
                self.gold(task, split, label_map),
                path,
                self.settings.options(unit, task.label_map(label_map)),
            ).to_dict()
        except ValidationFailed as err:  # the predictions are wrong; other errors are bugs
            return {"error": describe_error(err)}
        name = f"{entry.name}.{evaluation}" + (f".{label_map}" if label_map else "")
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
            "predictions": Path(os.path.relpath(path, output)).as_posix(),
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
        except ValidationFailed as err:
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


def _pooled_path(output: Path, entry: Entry) -> Path:
    return output / "predictions" / entry.task.name / f"{entry.name}.{POOLED}.jsonl"


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


def score_run(
    entry: Entry, run: Run, folder: Path, rows: Mapping[str, list[Row]], scoring: Scoring
) -> dict[str, Any]:
    """The fixed-split and cross-document scores of one system's run (step 1 to 3): the
    fixed-split files as they are stored in ``folder``, the held-out documents' predictions
    pooled into ``predictions/<task>/<system>.pooled.jsonl``."""
    settings, task = scoring.settings, entry.task
    result: dict[str, Any] = {"splits": {}, "pooled": None, "folds": [], "mapped": {}}
    maps = [entry.label_map] if entry.label_map else [None, *task.label_maps]
    written = {split: folder / f"{split}.jsonl" for split in FIXED_SPLITS if split in run.records}
    every = every_row(rows)
    documents = by_document(every)
    folds = {
        doc: run.predictions[lodo_name(doc)]
        for doc in documents
        if settings.lodo and len(documents) > 1 and lodo_name(doc) in run.records
    }
    if folds:
        pooled = {p["id"]: p for ps in folds.values() for p in ps if isinstance(p.get("id"), str)}
        in_gold_order = [pooled[r["id"]] for r in every if r["id"] in pooled]
        written[POOLED] = write_jsonl(in_gold_order, _pooled_path(settings.output, entry))
        try:
            result["folds"] = _fold_values(entry, folds, documents)
        except ValidationFailed as err:
            result["error"] = describe_error(err)
    for label_map in maps:
        figures = {
            name: scoring.score(entry, name, path, label_map) for name, path in written.items()
        }
        if label_map is None:
            result["pooled"] = figures.pop(POOLED, None)
            result["splits"] = figures
        else:
            result["mapped"][label_map] = figures
    return result


# ------------------------------------------------------------------------------------- main


def _clear(output: Path) -> None:
    """Empty ``predictions/``, ``scores/`` and ``errors/`` (derived from the runs on every
    benchmark)."""
    for name in ("predictions", "scores", ERRORS):
        shutil.rmtree(output / name, ignore_errors=True)


def _compare_with_floors(
    entries: Sequence[Entry], results: dict[str, dict[str, Any]], scoring: Scoring
) -> None:
    """Step 4: each system's pooled predictions against its task's floor's (every task has
    one: a task declares its floor among its references, and every reference is an entry)."""
    output = scoring.settings.output
    floors = {e.task.name: e for e in entries if e.is_floor}
    for entry in entries:
        if entry.is_floor:
            continue
        floor = floors[entry.task.name]
        mine, theirs = _pooled_path(output, entry), _pooled_path(output, floor)
        if mine.is_file() and theirs.is_file():
            results[entry.key]["versus_floor"] = scoring.compare(
                entry, mine, theirs, entry.label_map
            )


def run_curves(
    entries: Sequence[Entry],
    rows: dict[str, dict[str, list[Row]]],
    runs: Mapping[str, Run],
    settings: Settings,
) -> dict[str, Any]:
    """Learning curves (:mod:`.curve`) of the learned baselines of ``settings.curve_tasks``,
    scored from their runs, with the floor's pooled cross-document score beside them (needs
    two annotated documents of the task)."""
    policy = settings.policy()
    curves: dict[str, Any] = {}
    for task in settings.tasks:
        task_rows = rows[task.name]
        groups = by_document(every_row(task_rows))
        learned = [e for e in entries if e.task is task and has_curve(e, task_rows, policy)]
        floor = next(e for e in entries if e.task is task and e.is_floor)
        if not learned or floor.key not in runs:
            continue
        fits = curve_fits(list(groups), settings.curve_subsets, settings.seed)
        last = {len(groups) - 1: fits[len(groups) - 1]}
        (floor_point,) = curve_points(task, groups, last, runs[floor.key].predictions)
        curve: dict[str, Any] = {
            "metric": task.headline,
            "floor": {"name": floor.name, "value": floor_point["pooled"]},
            "systems": {},
        }
        for entry in learned:
            if entry.key in runs:
                curve["systems"][entry.name] = curve_points(
                    task, groups, fits, runs[entry.key].predictions, task.label_map(entry.label_map)
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


def _bring_up_to_date(
    entries: Sequence[Entry],
    rows: dict[str, dict[str, list[Row]]],
    settings: Settings,
    progress: Progress,
    profile: Profile,
) -> tuple[dict[str, Run], dict[str, Path], dict[str, str]]:
    """Every fitted entry's run, current: stored ones reused, stale evaluations refitted and
    the changed runs written to the runs folder. Returns the runs, the folder each is read
    from, and the errors (a failed system's traceback is written beside its run)."""
    with profile.step("read the stored runs"):
        stored = stored_runs(entries, settings)
    state = refresh(
        entries,
        {k: run for k, (run, _) in stored.items()},
        rows,
        settings.policy(),
        progress,
        profile,
    )
    root = settings.run_root()
    folders: dict[str, Path] = {}
    with profile.step("write the changed runs"):
        for entry in entries:
            if entry.key in state.errors:
                path = write_traceback(root, entry, state.tracebacks[entry.key])
                state.errors[entry.key] += f" (traceback: {path})"
            elif entry.key in state.changed:
                folders[entry.key] = write_run(state.runs[entry.key], root)
            elif entry.key in stored:
                folders[entry.key] = stored[entry.key][1]
            else:  # nothing to fit or predict (a task without rows)
                folders[entry.key] = run_folder(root, entry.task.name, entry.name)
    refitted = len(state.changed - set(state.errors))
    reused = len(entries) - refitted - len(state.errors)
    progress.log(
        f"runs: {refitted} refitted, {reused} current "
        f"({', '.join(str(r) for r in (root, *settings.stored))})"
    )
    runs = {k: r for k, r in state.runs.items() if k not in state.errors}
    return runs, folders, state.errors


def _external(
    settings: Settings, rows: dict[str, dict[str, list[Row]]], taken: set[str]
) -> list[tuple[Entry, Run, Path]]:
    """The runs given with ``--runs``, checked before anything is fitted or written."""
    if settings.external is None:
        return []
    try:
        tasks = {t.name: t for t in settings.tasks}
        return load_external(settings.external, rows, tasks, settings.lodo, set(taken))
    except RunsError as err:
        raise BenchmarkError(str(err), 2, err.problems) from None


def run_benchmark(
    settings: Settings | None = None,
    systems: Iterable[Entry] = (),
    progress: Progress | None = None,
    profile: Profile | None = None,
) -> dict[str, Any]:
    """Run the whole benchmark; returns the leaderboard written to ``leaderboard.json``;
    where the time went goes into ``profile``."""
    settings = settings or Settings()
    progress = progress or Progress()
    profile = profile or Profile()
    with profile.step("check and read the dataset"):
        annotations = check_dataset(settings, progress)
        rows = load_rows(settings.data, settings.tasks)
        summary = _dataset_summary(rows)
    if not summary["documents"]:
        raise BenchmarkError(f"the dataset in {settings.data} has no rows", 1)
    with profile.step("list the systems"):
        fitted = [*builtin_systems(settings.tasks), *systems]
        given = _external(settings, rows, {e.key for e in fitted})
    runs, folders, errors = _bring_up_to_date(fitted, rows, settings, progress, profile)
    for entry, run, folder in given:
        runs[entry.key], folders[entry.key] = run, folder
    entries = [*fitted, *(entry for entry, _, _ in given)]
    output = settings.output
    output.mkdir(parents=True, exist_ok=True)
    _clear(output)
    scoring = Scoring(settings)
    results: dict[str, dict[str, Any]] = {}
    with progress.stage("score", len(entries)), profile.step("score"):
        for entry in entries:
            progress.advance(entry.key)
            if entry.key in errors:
                results[entry.key] = {"error": errors[entry.key]}
                continue
            results[entry.key] = score_run(
                entry, runs[entry.key], folders[entry.key], rows[entry.task.name], scoring
            )
    with profile.step("compare with the floors, list the errors"):
        _compare_with_floors(entries, results, scoring)
        write_errors(
            entries,
            results,
            lambda entry: _pooled_path(output, entry),
            lambda task, label_map: scoring.gold(task, ALL_SPLITS, label_map),
            output,
        )
    with profile.step("leaderboard, learning curves"):
        board = build_leaderboard(entries, results, rows, summary, settings)
        if settings.lodo:
            board["learning_curve"] = run_curves(entries, rows, runs, settings)
        write_json(board, output / "leaderboard.json")
        (output / "leaderboard.md").write_text(render_markdown(board), encoding="utf-8")
        write_scores_csv(board, output / "scores.csv")
    dates = {doc: get_document(doc).date for doc in annotations}
    points = troop_points(annotations, dates) if annotations else []
    write_json(
        {"format_version": TROOPS_FORMAT, "points": [p.to_dict() for p in points]},
        output / "troops.json",
    )
    with progress.stage("report", 1), profile.step("report"):
        write_report(board, output, points)
        progress.advance("report.html")
    progress.log(
        f"wrote {output / 'leaderboard.md'}, {output / 'leaderboard.json'}, "
        f"{output / 'report.html'}"
    )
    return board
