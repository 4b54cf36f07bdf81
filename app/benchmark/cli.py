"""``benchmark_command``, registered by ``nkru.app.cli`` as ``nkru benchmark``.

Exit codes: 0 ok, 1 failure (annotation errors, stale dataset, a system failed), 2 bad input
(bad --system, --task or --runs, no exports and no dataset). Errors are messages, never
tracebacks (a failed system's traceback is written beside its run; ``--traceback`` shows it).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from rich import box
from rich.console import Group
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.table import Table

from nkru.console import Console, fail, missing_extra
from nkru.paths import results_dir
from nkru.tasks import TASKS

from .leaderboard import verdict_text
from .runs import TRACEBACK, run_folder

TASK_HELP = ", ".join(TASKS)

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


def _short(figures: dict[str, Any] | None, sign: str = "") -> str:
    """``value [low, high]`` with two decimals (the terminal summary; the files keep three)."""
    if not figures or figures.get("value") is None:
        return "—"
    value = f"{figures['value']:{sign}.2f}"
    if figures.get("ci_low") is None:
        return value
    return f"{value} [{figures['ci_low']:{sign}.2f}, {figures['ci_high']:{sign}.2f}]"


def _summary(board: dict[str, Any]) -> Group:
    """One small table per task that fits an 80-column terminal: system names whole (other
    cells wrap at spaces when a name is long), scores with two decimals (the leaderboard
    files have them all)."""
    tables = []
    for task, info in board["tasks"].items():
        table = Table(
            title=f"{task} — {info['metric']} (cross-document)",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            padding=(0, 1),
            pad_edge=False,
            show_edge=False,
        )
        table.add_column("system", no_wrap=True)
        for column in ("score [95% CI]", "Δ vs floor [CI]", "p", "verdict"):
            table.add_column(column)  # wrapped at spaces, never cut, on a narrow terminal
        for row in info["systems"]:
            pooled = row["pooled"] or (row["mapped"].get(row["label_map"]) or {}).get("pooled")
            versus = row.get("versus_floor") or {}
            delta = {"value": versus.get("delta"), **versus} if versus else None
            p_value = versus.get("p_value")
            table.add_row(
                row["name"],
                _short(pooled),
                _short(delta, "+"),
                "—" if p_value is None else f"{p_value:.3f}",
                verdict_text(row, info["floor"]),
            )
        tables.append(table)
    return Group(*tables)


def benchmark_command(
    system: Annotated[
        list[str],
        typer.Option(
            "--system",
            help="A user system, module:callable (or path/to/file.py:callable); repeatable.",
        ),
    ] = [],  # noqa: B006
    task: Annotated[
        list[str],
        typer.Option("--task", help=f"Only this task (repeatable; default all: {TASK_HELP})."),
    ] = [],  # noqa: B006
    runs: Annotated[
        Path | None,
        typer.Option(
            "--runs",
            help="Runs made elsewhere (a folder laid out like results/runs/, eval/FORMAT.md "
            "'Runs'): checked and scored beside the stored baselines, nothing refitted.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            help="Results folder (default results/; with --system or --runs "
            "results/user/<system or folder name>/: a user's run leaves the committed "
            "leaderboard and runs alone). Its runs/ holds the runs it fits."
        ),
    ] = None,
    refit: Annotated[
        bool,
        typer.Option(
            "--refit",
            help="Refit every system, current runs or not (but expensive systems whose "
            "runs are current).",
        ),
    ] = False,
    refit_expensive: Annotated[
        bool, typer.Option("--refit-expensive", help="With --refit: expensive systems too.")
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes for the fits (default: the CPU count)."),
    ] = None,
    show_traceback: Annotated[
        bool,
        typer.Option("--traceback", help="Print the full traceback of a failed system."),
    ] = False,
    profile: Annotated[
        bool,
        typer.Option(
            "--profile",
            help="Print where the time went: the benchmark's steps, and the fits' CPU time "
            "by stage, task and system.",
        ),
    ] = False,
    bootstrap: Annotated[
        int, typer.Option(min=0, help="Bootstrap resamples (0: no intervals).")
    ] = 1000,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the bootstrap resampling.")] = 0,
    skip_lodo: Annotated[
        bool,
        typer.Option(help="Skip the cross-document runs (the headline is then the test split)."),
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
    """The main job: every baseline, reference and --system on every task, on the fixed split
    and across documents (the headline), compared with each task's floor; writes the
    leaderboard and the HTML report into the results folder, nothing else."""
    # Imported here, not at the top: the pipeline loads the baselines (scikit-learn, spaCy,
    # matplotlib), which `nkru --help` and the light install (`pip install nkru`) do without.
    try:
        from .pipeline import BenchmarkError, Progress, Settings, run_benchmark
        from .profile import Profile
        from .systems import SystemSpecError, builtin_systems, user_entries
    except ModuleNotFoundError as err:
        raise missing_extra(err, "baselines,report") from None

    started = time.perf_counter()
    unknown = [name for name in task if name not in TASKS]
    if unknown:
        raise fail(f"unknown task {unknown[0]!r} (expected one of {TASK_HELP})", 2)
    tasks = tuple(TASKS[name] for name in task) if task else tuple(TASKS.values())
    try:
        taken = [e.key for e in builtin_systems(tasks)]
        users = []
        for spec in system:
            found = user_entries(spec, taken, tasks)
            taken += [e.key for e in found]
            users += found
            for entry in found:
                console.print(
                    f"user system [bold]{escape(entry.key)}[/] from {escape(spec)}", highlight=False
                )
    except SystemSpecError as err:
        raise fail(str(err), 2) from None
    if output is None:
        own = "+".join(dict.fromkeys(e.name for e in users)) or (runs.name if runs else "")
        output = results_dir() / "user" / own if own else results_dir()
    committed = results_dir() / "runs"
    settings = Settings(
        output=output,
        tasks=tasks,
        bootstrap=bootstrap,
        seed=seed,
        lodo=not skip_lodo,
        curve_subsets=curve_subsets,
        stored=() if output.resolve() == results_dir().resolve() else (committed,),
        external=runs,
        refit=refit or refit_expensive,
        refit_expensive=refit_expensive,
    )
    if workers:
        settings.workers = workers
    try:
        progress = cast(Progress, ConsoleProgress(console))  # the same methods, duck-typed
        timings = Profile()
        board = run_benchmark(settings, users, progress, timings)
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
        f"{name}/{row['name']}: {row['error']}"
        for name, info in board["tasks"].items()
        for row in info["systems"]
        if row["error"]
    ]
    if profile:
        console.out(timings.table(), highlight=False)
    console.print(f"results in {output} ({time.perf_counter() - started:.1f} s)")
    if failed and show_traceback:
        for name, info in board["tasks"].items():
            for row in info["systems"]:
                trace = run_folder(settings.run_root(), name, row["name"]) / TRACEBACK
                if row["error"] and trace.is_file():
                    console.print(f"[bold]{name}/{row['name']}[/]", highlight=False)
                    console.out(trace.read_text(encoding="utf-8"), highlight=False)
    if failed:
        hint = "" if show_traceback else "\n(--traceback prints the full tracebacks)"
        raise fail(
            "some systems failed:\n" + "\n".join(f"  - {escape(f)}" for f in failed) + hint, 1
        )


def main() -> None:
    """``python -m nkru.app.benchmark``: the command alone (same as ``nkru benchmark``)."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(benchmark_command)
    app()
