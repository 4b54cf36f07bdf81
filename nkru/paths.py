"""Where the project's files live (a clone of the repository)."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The repository root: $NKRU_ROOT, else the current directory if it holds the corpus,
    else the checkout this package was installed from (editable install)."""
    if env := os.environ.get("NKRU_ROOT"):
        return Path(env)
    cwd = Path.cwd()
    if (cwd / "data" / "raw" / "manifest.json").is_file():
        return cwd
    return Path(__file__).resolve().parents[1]


def raw_dir() -> Path:
    """The verbatim article texts and their manifest."""
    return project_root() / "data" / "raw"


def data_dir() -> Path:
    """The publishable Hugging Face dataset folder."""
    return project_root() / "data"


def exports_dir() -> Path:
    """Committed Label Studio exports, one JSON file per document."""
    return project_root() / "annotation" / "exports"


def results_dir() -> Path:
    """Benchmark outputs: predictions, scores, leaderboard, report."""
    return project_root() / "results"


def cache_dir() -> Path:
    """A per-user cache outside the repository ($NKRU_CACHE or ~/.cache/nkru)."""
    path = Path(os.environ.get("NKRU_CACHE", Path.home() / ".cache" / "nkru"))
    path.mkdir(parents=True, exist_ok=True)
    return path
