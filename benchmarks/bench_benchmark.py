"""Wall time of ``nkru benchmark`` before and after runs (issue 19), side by side.

Builds two project copies from the committed annotations, one running this checkout's code
("new", with the committed runs, as a fresh clone), one an older commit's (``--old``, default
the commit before runs; extracted with ``git archive`` and imported ahead of the installed
package), then times, in fresh subprocesses:

- new ``nkru benchmark`` on the committed runs (what a fresh clone does), twice: the second
  run's files must be byte-identical to the first's;
- ``nkru benchmark --system FILE:factory --task stance --task certainty``, old and new, with a
  user system that costs nothing to fit (the floor's predictions): the new one's time is the
  benchmark's own overhead;
- unless ``--quick``: old ``nkru benchmark`` (every system refitted, always) and new
  ``nkru benchmark --refit``.

Each command's CPU time (user + system) is that of its whole process tree, fit workers and
fork server included: this script adopts the orphaned ones (``PR_SET_CHILD_SUBREAPER``) and
waits for them, so the figure is less sensitive to a shared machine's load than wall time
(on ``w`` free cores a command lasts at least CPU / ``w``).

    python benchmarks/bench_benchmark.py [--old COMMIT] [--bootstrap N] [--workers N] [--quick]
        [--refit-task TASK ...]
"""

from __future__ import annotations

import argparse
import ctypes
import filecmp
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OLD = "6d538c8"
USER = f"{REPO / 'tests' / 'cheating_system.py'}:make_system"
PACKAGES = ("annotation", "app", "baselines", "eval")  # folders mapped into nkru.*


def make_project(root: Path, runs: bool) -> None:
    """A project copy with the corpus, the committed exports (its dataset built later) and,
    when ``runs``, the committed runs."""
    (root / "data").mkdir(parents=True)
    shutil.copytree(REPO / "data" / "raw", root / "data" / "raw")
    shutil.copytree(REPO / "annotation" / "exports", root / "annotation" / "exports")
    if runs:
        shutil.copytree(REPO / "results" / "runs", root / "results" / "runs")


def old_code(commit: str, into: Path) -> Path:
    """The commit's sources laid out as the ``nkru`` package (for ``PYTHONPATH``)."""
    into.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", commit], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    for folder in PACKAGES:
        (into / "nkru" / folder).symlink_to(into / folder, target_is_directory=True)
    return into


PR_SET_CHILD_SUBREAPER = 36


def adopt_orphans() -> None:
    """Become the parent of this script's orphaned descendants (a command's fork server and
    its workers outlive it briefly), so their CPU time is counted (Linux)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def nkru(root: Path, args: list[str], code: Path | None = None) -> tuple[float, float]:
    """Wall time and CPU time of the process tree of ``nkru ARGS`` on the project ``root``
    (with ``code`` on the path)."""
    env = {**os.environ, "NKRU_ROOT": str(root), "COLUMNS": "120"}
    if code is not None:
        env["PYTHONPATH"] = str(code)
    command = [sys.executable, "-c", "from nkru.app.cli import app; app()", *args]
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=root, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    while True:  # the adopted descendants, once they exit
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    if done.returncode != 0:
        sys.stdout.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"nkru {' '.join(args)} failed with exit code {done.returncode}")
    return elapsed, _children_cpu() - cpu


def differing(first: Path, second: Path) -> list[str]:
    """Files that differ between two results folders."""
    names = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    return [
        str(n)
        for n in names
        if not (second / n).is_file() or not filecmp.cmp(first / n, second / n, shallow=False)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default=OLD, help=f"commit before runs (default {OLD})")
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--quick", action="store_true", help="skip the full refits")
    parser.add_argument(
        "--refit-task", action="append", default=[], help="full refits of this task only"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary projects")
    args = parser.parse_args()
    adopt_orphans()
    tmp = Path(tempfile.mkdtemp(prefix="nkru-bench-"))
    boot = ["--bootstrap", str(args.bootstrap)]
    user = ["--system", USER, "--task", "stance", "--task", "certainty"]
    try:
        new, old = tmp / "new", tmp / "old"
        make_project(new, runs=True)
        make_project(old, runs=False)
        code = old_code(args.old, tmp / "old-code")
        nkru(new, ["build"])
        nkru(old, ["build"], code)
        workers = ["--workers", str(args.workers)]
        times = {"new: nkru benchmark (committed runs)": nkru(new, ["benchmark", *boot])}
        shutil.copytree(new / "results", tmp / "first")
        times["new: nkru benchmark again"] = nkru(new, ["benchmark", *boot])
        same = differing(tmp / "first", new / "results")
        times["old: --system USER --task stance --task certainty"] = nkru(
            old, ["benchmark", *user, *boot], code
        )
        times["new: --system USER --task stance --task certainty"] = nkru(
            new, ["benchmark", *user, *workers, *boot]
        )
        if not args.quick:
            only = [arg for task in args.refit_task for arg in ("--task", task)]
            which = " ".join(only) or "(all tasks)"
            times[f"old: nkru benchmark {which} (refits)"] = nkru(
                old, ["benchmark", *only, *boot], code
            )
            refit = ["benchmark", "--refit", "--output", str(tmp / "refit"), *workers, *boot]
            times[f"new: nkru benchmark --refit {which}"] = nkru(new, [*refit, *only])
        print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")
        for name, (seconds, cpu) in times.items():
            print(f"{name:55s} {seconds:7.1f} s wall {cpu:7.1f} s CPU")
        print("second default run identical: " + ("yes" if not same else f"NO {same}"))
        return 0 if not same else 1
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
