"""When each annotation of a pair entered the repository (shown by ``nkru agreement``).

A blind annotation is independent only if it was finished before the other annotation of the
same document could be read. The repository cannot prove what an annotator read, but its
history shows the order in which the two worksheets arrived: the first commit that added each
file (``git log --diff-filter=A``). Two files added by one commit arrived together, and their
order cannot be checked from the history.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .independence import relative


@dataclass(frozen=True)
class Arrival:
    """The first commit that added a file."""

    commit: str  # full hash
    date: str  # committer date, ISO 8601


def first_commit(path: Path) -> Arrival | None:
    """The commit that first added ``path`` (None outside a git history, or if never committed)."""
    try:
        out = subprocess.run(
            ["git", "log", "--diff-filter=A", "--format=%H %cI", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    lines = out.strip().splitlines()
    if not lines:
        return None
    commit, date = lines[-1].split(" ", 1)  # git lists newest first
    return Arrival(commit, date)


def pair_order(
    folder: Path, doc_id: str, first_name: str, second_name: str, shown: Path | None = None
) -> dict[str, Any]:
    """The arrival of a pair's two worksheets ``<doc>.<annotator>.yaml`` in ``folder`` and which
    came first (``checked`` false, with the reason, when the history cannot tell). Paths are
    written relative to ``shown`` when given."""
    names = (first_name, second_name)
    paths = [folder / f"{doc_id}.{name}.yaml" for name in names]
    arrivals = [first_commit(p) if p.is_file() else None for p in paths]
    where = [relative(p, shown) for p in paths]
    files = [
        {"worksheet": w, "commit": a.commit[:7], "date": a.date} if a else {"worksheet": w}
        for w, a in zip(where, arrivals, strict=True)
    ]
    first, second = arrivals
    if first is None or second is None:
        missing = [w for w, a in zip(where, arrivals, strict=True) if a is None]
        reason = f"{' and '.join(missing)} is not in the repository history"
        return {"checked": False, "reason": reason, "worksheets": files}
    if first.commit == second.commit:
        reason = f"both worksheets were added by commit {first.commit[:7]}"
        return {"checked": False, "reason": reason, "worksheets": files}
    when = [datetime.fromisoformat(a.date) for a in (first, second)]
    if when[0] == when[1]:
        reason = "both worksheets were added in the same second"
        return {"checked": False, "reason": reason, "worksheets": files}
    earlier = names[0] if when[0] < when[1] else names[1]
    return {"checked": True, "first": earlier, "worksheets": files}
