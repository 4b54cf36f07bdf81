"""Wall time of ``nkru benchmark`` from a clean state, and its determinism.

Copies data/raw and the committed annotation/exports into a fresh temporary project, so the
dataset is built from scratch (``nkru build``) and results/ starts empty; runs
``nkru benchmark`` twice in fresh subprocesses (``NKRU_ROOT`` pointing at the copy); prints
both wall times against the 3-minute target and checks the leaderboard, prediction and score
files are byte-identical.

    python benchmarks/bench_benchmark.py [--bootstrap N] [--skip-lodo] [--keep]
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 180.0


def make_project(root: Path) -> str:
    """A project copy with the corpus and the committed exports; returns what was copied."""
    (root / "data").mkdir(parents=True)
    shutil.copytree(REPO / "data" / "raw", root / "data" / "raw")
    committed = REPO / "annotation" / "exports"
    shutil.copytree(committed, root / "annotation" / "exports")
    return f"committed exports ({len(list(committed.glob('*.json')))} files)"


def command() -> list[str]:
    """``nkru`` of this environment."""
    return [str(Path(sys.executable).with_name("nkru"))]


def _run(full: list[str], root: Path) -> None:
    env = {**os.environ, "NKRU_ROOT": str(root), "COLUMNS": "120"}
    done = subprocess.run(full, env=env, cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stdout.write(done.stdout + done.stderr)
        raise SystemExit(f"{' '.join(full)} failed with exit code {done.returncode}")


def run_once(
    cmd: list[str], root: Path, output: Path, args: argparse.Namespace, build: bool
) -> float:
    """Wall time of ``nkru build`` (when ``build``) and ``nkru benchmark``."""
    full = [*cmd, "benchmark", "--output", str(output), "--bootstrap", str(args.bootstrap)]
    if args.skip_lodo:
        full.append("--skip-lodo")
    start = time.perf_counter()
    if build:
        _run([*cmd, "build"], root)
    _run(full, root)
    return time.perf_counter() - start


def compare(first: Path, second: Path) -> list[str]:
    """Files that differ between two results folders (report.html included)."""
    names = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    return [
        str(n)
        for n in names
        if not (second / n).is_file() or not filecmp.cmp(first / n, second / n, shallow=False)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--skip-lodo", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="nkru-bench-"))
    try:
        root = tmp / "project"
        origin = make_project(root)
        cmd = command()
        print(f"project copy: {root} ({origin}); command: {' '.join(cmd)}")
        first = run_once(cmd, root, root / "results", args, build=True)
        second = run_once(cmd, root, tmp / "results-again", args, build=False)
        differ = compare(root / "results", tmp / "results-again")
        cores = os.cpu_count()
        print(f"run 1 (nkru build from scratch, then nkru benchmark): {first:6.1f} s")
        print(f"run 2 (nkru benchmark alone):                          {second:6.1f} s")
        verdict = "within" if first <= TARGET_SECONDS else "OVER"
        print(f"target {TARGET_SECONDS:.0f} s on this {cores}-core machine: {verdict}")
        print("second run identical: " + ("yes" if not differ else f"NO ({', '.join(differ)})"))
        return 0 if not differ and first <= TARGET_SECONDS else 1
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
