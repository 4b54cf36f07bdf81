"""The publishable Hugging Face dataset: ``nkru build`` and ``nkru publish``.

- :func:`build` — ground-truth annotations -> ``data/<config>/<split>.parquet`` + ``data/README.md``
- :func:`load_ground_truth` — the ground truth of the committed Label Studio exports
- :func:`publish` — upload ``data/`` (minus ``data/raw``) to the Hub, or a dry-run folder

Names are imported lazily so that ``nkru --help`` does not load ``datasets``/``pyarrow``.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "CONFIGS": "features",
    "FEATURES": "features",
    "BuildError": "examples",
    "document_rows": "examples",
    "BuildReport": "build",
    "ExportFile": "build",
    "build": "build",
    "export_files": "ground_truth",
    "load_ground_truth": "ground_truth",
    "PublishError": "publish",
    "publish": "publish",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"nkru.dataset.{_EXPORTS[name]}"), name)
