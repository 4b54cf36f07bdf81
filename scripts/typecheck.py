"""Type-check the ``nkru`` package with mypy, following pyproject.toml's package-dir mapping.

mypy finds a module by its folder, so on its own it cannot see that ``nkru.eval`` lives in
``eval/`` (the editable install maps it with an import hook mypy does not run). This gives mypy
every module of the installed packages (``[tool.setuptools]``) under its dotted name at its real
path, with mypy's settings from ``[tool.mypy]``; messages name the files in this checkout.

    .venv/bin/python scripts/typecheck.py        # exit 0 clean, 1 type errors
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from mypy import build
from mypy.errors import CompileError
from mypy.main import process_options
from mypy.modulefinder import BuildSource

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = REPO / "pyproject.toml"


def package_folder(package: str, mapping: dict[str, str]) -> Path:
    """A package's folder: its own ``package-dir`` entry, else its nearest mapped parent's
    folder with the rest of the dotted name below it (as setuptools resolves it)."""
    parts = package.split(".")
    for cut in range(len(parts), 0, -1):
        parent = ".".join(parts[:cut])
        if parent in mapping:
            return Path(mapping[parent], *parts[cut:])
    return Path(*parts)


def sources() -> list[BuildSource]:
    """Every module of every package of the distribution, named as it is imported."""
    setup = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["setuptools"]
    found = []
    for package in setup["packages"]:
        folder = REPO / package_folder(package, setup["package-dir"])
        for path in sorted(folder.glob("*.py")):
            name = package if path.stem == "__init__" else f"{package}.{path.stem}"
            found.append(BuildSource(str(path.relative_to(REPO)), name))
    return found


def main() -> int:
    _, options = process_options(
        ["--config-file", str(PYPROJECT), "-c", "pass"], require_targets=False
    )
    modules = sources()
    try:
        messages = build.build(modules, options).errors
    except CompileError as err:
        messages = err.messages
    for message in messages:
        print(message)
    errors = sum(": error:" in m for m in messages)
    print(f"mypy: {errors} error(s)" if errors else "mypy: no issues", f"in {len(modules)} modules")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
