"""Where the project's files live: a clone of the repository, or (the built dataset only) the
copy of it that an installed wheel ships."""

from __future__ import annotations

import os
from pathlib import Path

SHIPPED_DATA = Path(__file__).resolve().parent / "data"
"""The built dataset inside an installed wheel (copied from data/ when the wheel is built; see
pyproject.toml's package data); absent in a clone and in an editable install."""


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
    """The publishable Hugging Face dataset folder: the clone's data/, else (an install from
    the wheel, run outside a clone) the copy the package ships."""
    folder = project_root() / "data"
    if folder.is_dir() or not SHIPPED_DATA.is_dir():
        return folder
    return SHIPPED_DATA


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
