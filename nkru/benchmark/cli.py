"""``benchmark_command``, registered by ``nkru.cli`` as ``nkru benchmark``.

Exit codes: 0 ok, 1 failure (annotation errors, a system failed), 2 bad input (bad --system,
no exports and no dataset). Errors are messages, never tracebacks.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.table import Table

from nkru.console import Console, fail
from nkru.paths import results_dir

console = Console()


class ConsoleProgress:
    """Pipeline progress on the console: a bar per stage, messages above it."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bar: RichProgress | None = None
        self.task: Any = None

    def log(self, message: str) -> None:
        self.console.print(message, highlight=False)

    @contextmanager
    def stage(self, name: str, total: int) -> Iterator[None]:
        columns = (
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("[dim]{task.fields[step]}"),
        )
        with RichProgress(*columns, console=self.console, transient=False) as bar:
            self.bar, self.task = bar, bar.add_task(name, total=total, step="")
            try:
                yield
            finally:
                bar.update(self.task, step="done")
                self.bar = None

    def advance(self, description: str = "") -> None:
        if self.bar is not None:
            self.bar.update(self.task, advance=1, step=escape(description))


def _summary(board: dict[str, Any]) -> Table:
    table = Table(title="NKRU-FR leaderboard (test split)")
    for column in ("task", "system", "kind", "test", "95% CI", "LODO", "beats floor"):
        table.add_column(column, justify="right" if column in ("test",) else "left")
    for task, info in board["tasks"].items():
        for row in info["systems"]:
            value = "—" if row["value"] is None else f"{row['value']:.3f}"
            ci = "—" if row["ci_low"] is None else f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}]"
            lodo = row["lodo"] or {}
            lodo_text = (
                "—" if lodo.get("mean") is None else f"{lodo['mean']:.3f} ± {lodo['std']:.3f}"
            )
            flag = row["beats_majority_reference"]
            beats = (
                ""
                if row["kind"] == "reference"
                else "—"
                if flag is None
                else "yes"
                if flag
                else "[red]no[/]"
            )
            table.add_row(task, row["name"], row["kind"], value, ci, lodo_text, beats)
        table.add_section()
    return table


def benchmark_command(
    system: Annotated[
        list[str],
        typer.Option(
            "--system",
            help="A user system, module:callable (or path/to/file.py:callable); repeatable.",
        ),
    ] = [],  # noqa: B006
    output: Annotated[
        Path, typer.Option(help="Results folder (predictions, scores, leaderboard, report).")
    ] = results_dir(),  # noqa: B008
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples (0: no intervals).")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap resampling.")] = 0,
    skip_lodo: Annotated[
        bool, typer.Option(help="Skip leave-one-document-out cross-validation.")
    ] = False,
    curve_subsets: Annotated[
        int | None,
        typer.Option(
            help="Learning curve: at most this many subsets of each size per held-out "
            "document (default: all).",
            min=1,
        ),
    ] = None,
) -> None:
    """The main job: validate, build if stale, run every baseline, reference and --system on
    every task, leave-one-document-out, write the leaderboard and the HTML report."""
    from nkru.benchmark.run import BenchmarkError, Settings, run_benchmark
    from nkru.benchmark.systems import SystemSpecError, builtin_systems, user_entries

    started = time.perf_counter()
    if bootstrap < 0:
        raise fail("--bootstrap must be 0 or more", 2)
    try:
        taken = [e.key for e in builtin_systems()]
        users = []
        for spec in system:
            found = user_entries(spec, taken)
            taken += [e.key for e in found]
            users += found
            for entry in found:
                console.print(
                    f"user system [bold]{escape(entry.key)}[/] from {escape(spec)}", highlight=False
                )
    except SystemSpecError as err:
        raise fail(str(err), 2) from None
    settings = Settings(
        output=output,
        bootstrap=bootstrap,
        seed=seed,
        lodo=not skip_lodo,
        curve_subsets=curve_subsets,
    )
    try:
        board = run_benchmark(settings, users, ConsoleProgress(console))
    except BenchmarkError as err:
        message = str(err)
        if err.problems:
            shown = err.problems[:30]
            message += "\n" + "\n".join(f"  - {escape(p)}" for p in shown)
            if len(err.problems) > len(shown):
                message += f"\n  … {len(err.problems) - len(shown)} more"
        raise fail(message, err.code) from None
    console.print(_summary(board))
    failed = [
        f"{task}/{row['name']}: {row['error']}"
        for task, info in board["tasks"].items()
        for row in info["systems"]
        if row["error"]
    ]
    console.print(f"results in {output} ({time.perf_counter() - started:.1f} s)")
    if failed:
        raise fail("some systems failed:\n" + "\n".join(f"  - {escape(f)}" for f in failed), 1)


def main() -> None:
    """``python -m nkru.benchmark``: the command alone (same as ``nkru benchmark``)."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(benchmark_command)
    app()
