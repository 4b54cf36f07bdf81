"""Benchmark: `nkru eval ner` on prediction files full of overlapping entities, up to 50 MB.

Every entity of the "overlapping" files sits on the same characters (``[2, 6) ORG``), so all
but one per line overlap; the "clean" files have the same number of entities, disjoint, so
they are valid and scored. Two shapes: the whole file on one line, and lines of 1000
entities each (one gold example per line). For each shape and size, both files are checked
by the real command in a subprocess (interleaved, ``--repeat`` times, medians), measuring
CPU time (user + system), wall time and peak RSS of that process (``os.wait4``).

Asserted in every run: the overlapping file exits 2 with its error count and the
"more problem(s) not listed" line, the clean one exits 0. Printed: the figures per size and
the growth ratio of CPU time each time the size doubles (2.0 is linear), after subtracting
the CPU time of the same command on a one-entity file (interpreter start and imports).
Usage:

    python benchmarks/bench_overlap_check.py [--max-mb 50] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENTITY = '{"start": %d, "end": %d, "label": "ORG"}'
PER_LINE = 1000  # entities per line in the "lines" shape


def entity_count(megabytes: float) -> int:
    """Entities making a file of about ``megabytes`` MB (decimal)."""
    return int(megabytes * 1_000_000 / (len(ENTITY % (2, 6)) + 2))


def write_files(folder: Path, shape: str, n: int) -> tuple[Path, Path, Path]:
    """(gold, overlapping predictions, clean predictions) of ``n`` entities in ``shape``."""
    lines = [n] if shape == "line" else [PER_LINE] * (n // PER_LINE)
    gold, overlapping, clean = (folder / f"{shape}-{n}-{name}.jsonl" for name in ("g", "o", "c"))
    with gold.open("w") as g, overlapping.open("w") as o, clean.open("w") as c:
        for i, k in enumerate(lines):
            g.write(json.dumps({"id": f"s{i}", "text": "a" * (2 * k + 10), "entities": []}) + "\n")
            same = ", ".join([ENTITY % (2, 6)] * k)
            apart = ", ".join(ENTITY % (2 * j, 2 * j + 1) for j in range(k))
            o.write(f'{{"id": "s{i}", "entities": [{same}]}}\n')
            c.write(f'{{"id": "s{i}", "entities": [{apart}]}}\n')
    return gold, overlapping, clean


def check(nkru: Path, gold: Path, predictions: Path) -> dict:
    """Run `nkru eval ner` on one file: exit code, CPU and wall seconds, peak RSS (MiB)."""
    command = [str(nkru), "eval", "ner", str(predictions), "--gold", str(gold), "--bootstrap", "0"]
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "exit": proc.returncode,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "wall_s": time.perf_counter() - start,
        "rss_mib": usage.ru_maxrss / 1024,
        "stderr": stderr,
    }


def median_run(runs: list[dict]) -> dict:
    return {key: statistics.median(r[key] for r in runs) for key in ("cpu_s", "wall_s", "rss_mib")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-mb", type=float, default=50.0)
    parser.add_argument("--steps", type=int, default=4, help="sizes: max, max/2, max/4, ...")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    nkru = Path(sys.executable).with_name("nkru")
    sizes = [args.max_mb / 2**k for k in reversed(range(args.steps))]
    results: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="nkru-overlap-") as tmp:
        tiny = write_files(Path(tmp), "line", 1)
        startup = median_run([check(nkru, tiny[0], tiny[2]) for _ in range(args.repeat)])
        for shape in ("line", "lines"):
            rows = results[shape] = []
            for megabytes in sizes:
                n = entity_count(megabytes)
                n -= n % PER_LINE
                gold, overlapping, clean = write_files(Path(tmp), shape, n)
                bad, good = [], []
                for _ in range(args.repeat):
                    bad.append(check(nkru, gold, overlapping))
                    good.append(check(nkru, gold, clean))
                for run in bad:
                    assert run["exit"] == 2, run["stderr"][-2000:]
                    errors = n - (1 if shape == "line" else n // PER_LINE)
                    assert f"{errors} error(s); nothing scored." in run["stderr"], run["stderr"]
                    assert "more problem(s) not listed" in run["stderr"]
                for run in good:
                    assert run["exit"] == 0, run["stderr"][-2000:]
                rows.append(
                    {
                        "mb": overlapping.stat().st_size / 1e6,
                        "entities": n,
                        "overlapping": median_run(bad),
                        "clean": median_run(good),
                    }
                )
                for path in (gold, overlapping, clean):
                    path.unlink()
    base = startup["cpu_s"]
    print(
        f"one-entity file: {base:.2f} s CPU, {startup['rss_mib']:.0f} MiB peak RSS "
        "(subtracted from the CPU times below)"
    )
    for shape, rows in results.items():
        title = "one line" if shape == "line" else f"lines of {PER_LINE} entities"
        print(f"\n{title} (medians of {args.repeat}; CPU = user + system seconds, net)")
        print(
            "| MB | entities | overlapping: CPU s | wall s | peak RSS MiB | clean: CPU s "
            "| peak RSS MiB | overlapping CPU vs the size before |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        before = None
        for row in rows:
            bad, good = row["overlapping"], row["clean"]
            net = bad["cpu_s"] - base
            ratio = "—" if before is None else f"{net / before:.2f}×"
            before = net
            print(
                f"| {row['mb']:.1f} | {row['entities']:,} | {net:.2f} | "
                f"{bad['wall_s']:.2f} | {bad['rss_mib']:.0f} | {good['cpu_s'] - base:.2f} | "
                f"{good['rss_mib']:.0f} | {ratio} |"
            )


if __name__ == "__main__":
    main()
