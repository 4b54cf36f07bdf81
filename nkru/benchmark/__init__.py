"""``nkru benchmark``: the main job — every baseline, reference and user system on every task.

- :func:`nkru.benchmark.run.run_benchmark` — validate, build if stale, train/predict/score on
  the fixed split, leave-one-document-out, write ``results/`` (leaderboard, report, README)
- :func:`nkru.benchmark.leaderboard.update_readme` — fill the README's leaderboard section
- :mod:`nkru.benchmark.systems` — the registry of systems and the ``--system`` plugin protocol
- :func:`nkru.benchmark.cli.benchmark_command` — the typer command

Names are imported lazily so that ``nkru --help`` does not load matplotlib/datasets.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "BenchmarkError": "run",
    "Settings": "run",
    "run_benchmark": "run",
    "update_readme": "leaderboard",
    "render_markdown": "leaderboard",
    "Entry": "systems",
    "builtin_systems": "systems",
    "user_entries": "systems",
    "benchmark_command": "cli",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"nkru.benchmark.{_EXPORTS[name]}"), name)
