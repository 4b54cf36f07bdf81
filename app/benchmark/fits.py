"""Bring every system's run up to date: refit only the evaluations that are stale.

For each benchmark entry, :func:`plan` lists the evaluations its run must hold (fixed split,
each held-out document, and for the learned baselines of the curve tasks each learning-curve
fit) with the rows they are made from. A stored run's evaluation is reused when it is current
(:meth:`nkru.app.benchmark.runs.Run.current`); the stale ones are grouped into fits, one per
distinct (system, settings, training rows): the learning curve's fit on every other document
is the cross-document fit, and a curve fit on a subset predicts every held-out document whose
cross-document fold chose the same settings. Curve fits are planned once the cross-document
fits have chosen their settings. Fits run in fresh processes (:mod:`.isolation`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nkru.splits import SPLITS
from nkru.tasks import TASKS, Row, Task, get_task

from ...baselines.io import by_document
from ...baselines.nlp import analyse_all
from ...baselines.selection import document_folds
from .curve import curve_fits
from .entries import BASELINE, Entry
from .isolation import Fit, Outcome, run_all
from .profile import Profile
from .runs import (
    FIXED,
    FIXED_TRAIN,
    TRACEBACK,
    Evaluation,
    Run,
    combine,
    lodo_name,
    row_digest,
    run_folder,
)


@dataclass
class Policy:
    """What to refit beyond the stale: everything (``refit``), expensive systems too
    (``refit_expensive``); how many worker processes; the learning curve's tasks and
    subsets."""

    refit: bool = False
    refit_expensive: bool = False
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    lodo: bool = True
    curve_tasks: tuple[str, ...] = ("ner", "claims")
    curve_subsets: int | None = None
    seed: int = 0

    def forced(self, entry: Entry) -> bool:
        """Refit whatever is stored: user systems always, the others on request."""
        if entry.spec is not None:
            return True
        return self.refit and (self.refit_expensive or not entry.expensive)


class Hashes:
    """Row digests of one task, computed once per row (whole and stripped)."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.whole: dict[int, str] = {}
        self.inputs: dict[int, str] = {}

    def _of(self, rows: Sequence[Row], cache: dict[int, str], strip: bool) -> str:
        for row in rows:
            if id(row) not in cache:
                cache[id(row)] = row_digest(self.task.strip(row) if strip else row)
        return combine(cache[id(row)] for row in rows)

    def of(self, evaluation: Evaluation) -> dict[str, str]:
        return {
            "train": self._of(evaluation.train, self.whole, False),
            "input": self._of(evaluation.rows, self.inputs, True),
        }


def every_row(rows: Mapping[str, list[Row]]) -> list[Row]:
    """The rows of every split, in split order."""
    return [r for split in SPLITS for r in rows.get(split) or []]


def plan(task: Task, rows: Mapping[str, list[Row]], lodo: bool) -> list[Evaluation]:
    """The fixed-split and cross-document evaluations of a task's rows."""
    train = rows.get(FIXED_TRAIN) or []
    evaluations = [Evaluation(split, train, rows[split]) for split in FIXED if rows.get(split)]
    if lodo:
        for held, (others, own) in document_folds(every_row(rows)).items():
            evaluations.append(Evaluation(lodo_name(held), others, own))
    return evaluations


def curve_plan(rows: Mapping[str, list[Row]], policy: Policy) -> list[Evaluation]:
    """The learning-curve evaluations below ``n - 1`` documents (those at ``n - 1`` are the
    cross-document ones)."""
    groups = by_document(every_row(rows))
    out = []
    for size, fits in curve_fits(list(groups), policy.curve_subsets, policy.seed).items():
        if size == len(groups) - 1:
            continue
        for held, subset, name in fits:
            train = [r for d in subset for r in groups[d]]
            out.append(Evaluation(name, train, groups[held], subset))
    return out


def has_curve(entry: Entry, rows: Mapping[str, list[Row]], policy: Policy) -> bool:
    documents = len(by_document(every_row(rows)))
    return (
        policy.lodo
        and entry.kind == BASELINE
        and entry.task.name in policy.curve_tasks
        and documents >= 2
    )


@dataclass
class Refresh:
    """The runs being brought up to date: ``runs`` by entry key, ``changed`` (keys whose
    run got new evaluations), ``errors`` by key, ``tracebacks`` (entry key -> text)."""

    runs: dict[str, Run]
    changed: set[str] = field(default_factory=set)
    errors: dict[str, str] = field(default_factory=dict)
    tracebacks: dict[str, str] = field(default_factory=dict)


def _task_ref(task: Task) -> str | Task:
    """What a worker is given to find the task: its name when it is a declared task."""
    return task.name if TASKS.get(task.name) is task else task


def _fits(
    entries: Mapping[str, Entry],
    wanted: Mapping[str, list[tuple[Evaluation, str | None]]],
    hashes: Mapping[str, Hashes],
    analyses: Callable[[list[Row]], dict[str, Any]],
) -> tuple[list[Fit], list[dict[str, tuple[str, dict[str, str]]]]]:
    """Stale evaluations grouped into one fit per (system, settings, training rows); per fit,
    evaluation name -> (entry key, expected hashes)."""
    grouped: dict[tuple[str, str | None, str], tuple[Fit, dict]] = {}
    for key, evaluations in wanted.items():
        entry = entries[key]
        task = entry.task
        for evaluation, settings in evaluations:
            expected = hashes[task.name].of(evaluation)
            group = (key, settings, expected["train"])
            if group not in grouped:
                fit = Fit(_task_ref(task), entry.name, entry.spec, evaluation.train, {}, settings)
                grouped[group] = (fit, {})
            fit, names = grouped[group]
            fit.inputs[evaluation.name] = [task.strip(r) for r in evaluation.rows]
            names[evaluation.name] = (key, expected)
    fits, meta = [], []
    for (key, _, _), (fit, names) in grouped.items():
        if entries[key].parses:  # it reads spaCy analyses of its rows' texts
            rows = [*fit.train, *(r for rs in fit.inputs.values() for r in rs)]
            fit = replace(fit, analyses=analyses(rows))
        fits.append(fit)
        meta.append(names)
    return fits, meta


def refresh(
    entries: Sequence[Entry],
    stored: Mapping[str, Run],
    rows: Mapping[str, Mapping[str, list[Row]]],
    policy: Policy,
    progress: Any,
    profile: Profile | None = None,
) -> Refresh:
    """Every entry's run with every planned evaluation current (or the entry's error);
    where the time went goes into ``profile``."""
    by_key = {e.key: e for e in entries}
    hashes = {e.task.name: Hashes(e.task) for e in entries}
    state = Refresh({k: stored.get(k) or Run(e.task.name, e.identity()) for k, e in by_key.items()})
    profile = profile or Profile()
    analyses = _Analyses(profile)

    def stale(entry: Entry, evaluations: list[Evaluation], settings: Callable) -> list:
        run, force = state.runs[entry.key], policy.forced(entry)
        out = []
        for evaluation in evaluations:
            chosen = settings(evaluation)
            expected = {**hashes[entry.task.name].of(evaluation), **chosen}
            if force or not run.current(evaluation.name, expected):
                out.append((evaluation, chosen.get("settings")))
        return out

    first = {
        e.key: stale(e, plan(e.task, rows[e.task.name], policy.lodo), lambda ev: {})
        for e in entries
    }
    for entry in entries:
        if entry.expensive and policy.refit and not policy.refit_expensive and not first[entry.key]:
            progress.log(
                f"{entry.key}: expensive, its runs are current: kept (--refit-expensive refits it)"
            )
    _run_fits(by_key, first, hashes, analyses, state, policy, progress, "fit, predict", profile)

    def chosen(entry: Entry) -> Callable[[Evaluation], dict[str, Any]]:
        records = state.runs[entry.key].records
        return lambda ev: {"settings": records[lodo_name(str(ev.held))].get("settings")}

    second = {
        e.key: stale(e, curve_plan(rows[e.task.name], policy), chosen(e))
        for e in entries
        if e.key not in state.errors and has_curve(e, rows[e.task.name], policy)
    }
    _run_fits(by_key, second, hashes, analyses, state, policy, progress, "learning curves", profile)
    return state


def _run_fits(
    entries: Mapping[str, Entry],
    wanted: Mapping[str, list[tuple[Evaluation, str | None]]],
    hashes: Mapping[str, Hashes],
    analyses: _Analyses,
    state: Refresh,
    policy: Policy,
    progress: Any,
    stage: str,
    profile: Profile,
) -> None:
    fits, meta = _fits(entries, {k: v for k, v in wanted.items() if v}, hashes, analyses)
    if not fits:
        return

    def done(fit: Fit, outcome: Outcome) -> None:
        profile.record(stage, get_task(fit.task).name, fit.system, outcome.timing)
        progress.advance(fit.label)

    title = f"{stage} ({len(fits)} fits, {policy.workers} workers)"
    with progress.stage(title, len(fits)), profile.step(stage):
        outcomes = run_all(fits, policy.workers, done)
    for names, outcome in zip(meta, outcomes, strict=True):  # in plan order: deterministic
        for name, (key, expected) in names.items():
            if outcome.error is not None:
                state.errors.setdefault(key, outcome.error)
                state.tracebacks.setdefault(key, outcome.traceback or "")
                continue
            run = state.runs[key]
            run.records[name] = {**expected, "settings": outcome.settings}
            run.predictions[name] = outcome.predictions[name]
            state.changed.add(key)


class _Analyses:
    """spaCy analyses of the rows' texts, made once in this process (only when a system that
    ``parses`` is fitted); each of its fits gets those of its own rows."""

    def __init__(self, profile: Profile) -> None:
        self.known: dict[str, Any] = {}
        self.profile = profile

    def __call__(self, rows: list[Row]) -> dict[str, Any]:
        texts = sorted({t for row in rows for t in row_texts(row)})
        missing = [t for t in texts if t not in self.known]
        if missing:
            with self.profile.step("spaCy analyses (parent)"):
                self.known.update(zip(missing, analyse_all(missing), strict=True))
        return {t: self.known[t] for t in texts}


def row_texts(row: Row) -> list[str]:
    """The texts the baselines analyse with spaCy: a document row's sentences, else its text."""
    text = row.get("text")
    if not isinstance(text, str):
        return []
    sentences = row.get("sentences")
    if sentences:
        return [text[s["start"] : s["end"]] for s in sentences]
    return [text]


def write_traceback(root: Path, entry: Entry, text: str) -> Path:
    """A failed system's traceback beside its run."""
    path = run_folder(root, entry.task.name, entry.name) / TRACEBACK
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
