"""Start-up time of Label Studio as the tests and ``nkru studio serve`` start it.

Times, in one run and side by side: a start on a new data dir (the migrated template is
copied in; the template itself is built first if missing, and that time is printed apart),
then a restart of the same data dir. The tests check what these starts do
(tests/test_studio.py); how long they take is measured here, not asserted.

    python benchmarks/bench_studio_start.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from nkru.annotation import studio


def timed_start(data_dir: Path) -> float:
    """Seconds until a server on ``data_dir`` is healthy and accepts its token."""
    t0 = time.monotonic()
    with studio.start_server(data_dir):
        return time.monotonic() - t0


def _s(seconds: list[float]) -> list[float]:
    return [round(s, 1) for s in seconds]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="starts of each kind")
    args = parser.parse_args()
    t0 = time.monotonic()
    studio.ensure_template()
    print(f"template ready in {time.monotonic() - t0:.1f} s (built only if missing)")
    new, again = [], []
    with tempfile.TemporaryDirectory(prefix="nkru-bench-studio-") as tmp:
        for n in range(args.repeat):
            folder = Path(tmp) / f"data-{n}"
            new.append(timed_start(folder))
            again.append(timed_start(folder))
    print(f"new data dir from the template: median {statistics.median(new):.1f} s", _s(new))
    print(f"restart of an existing data dir: median {statistics.median(again):.1f} s", _s(again))


if __name__ == "__main__":
    main()
