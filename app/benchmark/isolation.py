"""Every fit runs in a fresh process that sees copies of its own rows only.

A :class:`Fit` is one ``fit`` and the predictions made with it: the whole training rows go to
``fit``, the rows of each evaluation, stripped to the task's inputs, to ``predict``. Each runs
in a new worker process (``max_tasks_per_child=1``) forked from a server process that has only
imported the baselines' modules (``forkserver``), so a system's module-level state starts
empty for every fit, and nothing of another fold (its rows, its fitted model) or the targets
of the predicted rows exists in that process: walking up the interpreter's frames or asking
the garbage collector for the referrers of the input rows finds the job's own copies only.
User systems are imported anew in each worker. The spaCy analyses of the job's own texts
travel with it (:func:`nkru.baselines.nlp.remember`), so a worker does not load spaCy to
parse what the parent already parsed.

Outcomes do not depend on the number of workers or the order in which fits finish: every
system is seeded and each fit starts from the same state.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nkru.tasks import Row, Task, get_task

from ...baselines.nlp import remember
from .systems import build_system

PRELOAD = ["nkru.app.benchmark.isolation", "nkru.app.cli"]
"""Imported once by the fork server (its children start from this state, nothing else). A
worker runs the parent's main script again before its job (Python 3.11 does not preload
``__main__`` in the server): with ``nkru.app.cli`` preloaded, the ``nkru`` script's import
of it costs nothing there (0.04 s of CPU per fit otherwise)."""


@dataclass(frozen=True)
class Fit:
    """One fit of one system and what it predicts (``inputs``: evaluation name -> rows
    stripped to the task's inputs). ``settings``: a candidate chosen in a cross-document fold
    to train with, without selecting again (the learning curve). ``analyses``: spaCy
    analyses of the texts of these rows."""

    task: str | Task  # a declared task's name, else the declaration itself
    system: str
    spec: str | None
    train: list[Row]
    inputs: dict[str, list[Row]]
    settings: str | None = None
    analyses: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        names = ", ".join(sorted(self.inputs))
        return f"{get_task(self.task).name}/{self.system} ({names})"


@dataclass(frozen=True)
class Timing:
    """CPU seconds of a fit's worker process: ``start`` (from the fork to the fit: process
    start-up, the job's unpickling, building the system), ``fit`` and ``predict``; ``wall``:
    the job's wall time in the worker (from the job's start)."""

    start: float = 0.0
    fit: float = 0.0
    predict: float = 0.0
    wall: float = 0.0


@dataclass(frozen=True)
class Outcome:
    """What a fit gave: predictions per evaluation and the settings it chose; or the error
    (one line naming system, task, evaluations and the file:line of the raise) with its
    full traceback; and where its worker's time went."""

    predictions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    settings: str | None = None
    error: str | None = None
    traceback: str | None = None
    timing: Timing = field(default_factory=Timing)


class SystemFailed(Exception):
    """A system's fit or predict went wrong in a way its own code did not raise."""


def _where(err: BaseException) -> str:
    frames = traceback.extract_tb(err.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    return f" at {Path(last.filename).name}:{last.lineno}"


def _predictions(system: Any, rows: list[Row]) -> list[dict[str, Any]]:
    returned = system.predict(rows)
    try:
        predictions = list(returned)
    except TypeError:
        raise SystemFailed(
            f"predict must return one dict per row (got {type(returned).__name__})"
        ) from None
    if len(predictions) != len(rows) or not all(isinstance(p, dict) for p in predictions):
        kinds = sorted({type(p).__name__ for p in predictions})
        raise SystemFailed(
            f"predict must return one dict per row (got {len(predictions)} for {len(rows)} "
            f"rows, of {', '.join(kinds) or 'nothing'})"
        )
    return [dict(p) for p in predictions]


def _cpu() -> float:
    """User + system CPU seconds of this process (since its fork, in a worker)."""
    times = os.times()
    return times.user + times.system


def run_fit(job: Fit) -> Outcome:
    """Build the system anew, fit it, predict every evaluation (in a worker process)."""
    began = time.perf_counter()
    remember(job.analyses)
    try:
        system = build_system(get_task(job.task), job.system, job.spec)
        if job.settings is not None:
            system = system.restricted(job.settings)
        built = _cpu()
        method = getattr(system, "fit", None)
        if callable(method):
            fitted = method(job.train)
            system = system if fitted is None else fitted
        fitted_at = _cpu()
        predictions = {name: _predictions(system, rows) for name, rows in job.inputs.items()}
    except Exception as err:  # any failure of the system's code becomes its row's error
        message = f"{job.label}: {type(err).__name__}: {err}{_where(err)}"
        return Outcome(error=message, traceback=traceback.format_exc())
    timing = Timing(built, fitted_at - built, _cpu() - fitted_at, time.perf_counter() - began)
    chosen = getattr(system, "settings", None)
    return Outcome(predictions, None if chosen is None else str(chosen), timing=timing)


def run_all(
    jobs: Sequence[Fit], workers: int, done: Callable[[Fit, Outcome], None]
) -> list[Outcome]:
    """Every job in a fresh process, ``workers`` at a time; ``done`` is called as each
    finishes (in completion order); outcomes are returned in job order."""
    outcomes: list[Outcome | None] = [None] * len(jobs)
    for index, outcome in _completed(jobs, workers):
        outcomes[index] = outcome
        done(jobs[index], outcome)
    return [o for o in outcomes if o is not None]


def _completed(jobs: Sequence[Fit], workers: int) -> Iterator[tuple[int, Outcome]]:
    if not jobs:
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    with ProcessPoolExecutor(
        max_workers=max(1, workers), mp_context=context, max_tasks_per_child=1
    ) as pool:
        futures: dict[Future[Outcome], int] = {
            pool.submit(run_fit, job): i for i, job in enumerate(jobs)
        }
        for future in as_completed(futures):
            yield futures[future], future.result()
