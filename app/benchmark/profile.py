"""Where a benchmark's time goes (``nkru benchmark --profile``).

Two views: the parent's steps in wall seconds (checking the dataset, parsing with spaCy, each
stage of fits, scoring, the report), and, per stage, task and system, the CPU seconds of the
fits' worker processes by phase (:class:`~.isolation.Timing`: process start-up, fit,
predict). The workers' CPU seconds add up over the workers running at once, so on ``w``
workers a stage lasts at least their sum divided by ``w``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .isolation import Timing


@dataclass
class Profile:
    """Wall seconds per parent step (in order of first use) and worker timings per
    ``(stage, task, system)``."""

    steps: dict[str, float] = field(default_factory=dict)
    fits: dict[tuple[str, str, str], list[Timing]] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time a step of the parent (repeated steps add up)."""
        began = time.perf_counter()
        try:
            yield
        finally:
            self.steps[name] = self.steps.get(name, 0.0) + time.perf_counter() - began

    def record(self, stage: str, task: str, system: str, timing: Timing) -> None:
        self.fits.setdefault((stage, task, system), []).append(timing)

    def table(self) -> str:
        """The profile as plain text: the steps, then one line per stage, task and system
        (slowest first within a stage) with a total per stage."""
        lines = [f"{'step':<44} {'wall s':>8}"]
        lines += [f"{name:<44} {seconds:8.1f}" for name, seconds in self.steps.items()]
        header = f"{'stage / task / system':<44} {'fits':>5} {'start':>7} {'fit':>7} {'predict':>7}"
        lines += ["", header + f" {'wall':>7}   (CPU s in the workers; wall: of the jobs)"]
        for stage in dict.fromkeys(s for s, _, _ in self.fits):
            rows = {k: v for k, v in self.fits.items() if k[0] == stage}
            ordered = sorted(rows.items(), key=lambda kv: -sum(_cpu(t) for t in kv[1]))
            for (_, task, system), timings in ordered:
                lines.append(_line(f"{stage} / {task} / {system}", timings))
            lines.append(_line(f"{stage}: total", [t for ts in rows.values() for t in ts]))
        return "\n".join(lines)


def _cpu(timing: Timing) -> float:
    return timing.start + timing.fit + timing.predict


def _line(name: str, timings: list[Timing]) -> str:
    sums = [sum(getattr(t, f) for t in timings) for f in ("start", "fit", "predict", "wall")]
    return f"{name:<44} {len(timings):5d} " + " ".join(f"{s:7.1f}" for s in sums)
