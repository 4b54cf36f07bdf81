"""The layering, read from the imports of every module (CONTRIBUTING.md, "Where things go").

core: ``nkru/`` (scheme, tasks, corpus, records, rows); middle: ``annotation/``, ``eval/``,
``baselines/``; app: ``app/``. A module imports only its own layer or the ones below (the
baselines may use eval's scorer); no two modules import each other, even through others;
imports sit at module level except in the command functions of the CLI modules (and spaCy and
scipy.optimize, imported where used, so that the core and nkru.eval stay light); the dataset
build reads no results and the benchmark writes none of the dataset.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = {"nkru": "nkru", "annotation": "nkru.annotation", "eval": "nkru.eval"}
PACKAGES |= {"baselines": "nkru.baselines", "app": "nkru.app"}
LAYER = {"nkru": 0, "nkru.annotation": 1, "nkru.eval": 1, "nkru.baselines": 1, "nkru.app": 2}
ALLOWED_SIDEWAYS = {("nkru.baselines", "nkru.eval")}  # model selection by the benchmark metric
CLI_MODULES = {"nkru.app.cli", "nkru.app.benchmark.cli", "nkru.app.dataset.cli"}
CLI_MODULES |= {"nkru.annotation.cli", "nkru.eval.cli"}
# Heavy libraries any module imports where it uses them, so that the core and nkru.eval stay
# light (spaCy: the baselines extra; scipy.optimize: only span matching needs it; pandas: only
# the errors DataFrame).
LAZY = {"spacy", "scipy.optimize", "pandas"}


def modules() -> dict[str, Path]:
    """Every first-party module by name."""
    out = {}
    for folder, package in PACKAGES.items():
        for path in sorted((REPO / folder).rglob("*.py")):
            parts = path.relative_to(REPO / folder).with_suffix("").parts
            if folder == "nkru" and parts[0] in PACKAGES:
                continue
            name = ".".join((package, *parts)).removesuffix(".__init__")
            out[name] = path
    return out


MODULES = modules()


def _resolve(module: str, node: ast.ImportFrom) -> list[str]:
    if node.level == 0:
        base = node.module or ""
    else:
        package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
        parts = package.split(".")
        base = ".".join(
            parts[: len(parts) - node.level + 1] + ([node.module] if node.module else [])
        )
    names = [f"{base}.{a.name}" for a in node.names]
    return [n if n in MODULES else base for n in names]


def imports(module: str) -> list[tuple[str, bool]]:
    """``(imported module, at module level)`` of a module: first-party imports anywhere,
    other imports inside functions."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    in_function: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            in_function.update(id(n) for n in ast.walk(node) if n is not node)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            targets = _resolve(module, node)
        else:
            continue
        top = id(node) not in in_function
        for target in targets:
            relative = isinstance(node, ast.ImportFrom) and node.level
            if target.split(".")[0] == "nkru" or relative or not top:
                found.append((target, top))
    return found


def layer(name: str) -> tuple[str, int]:
    package = max((p for p in LAYER if name == p or name.startswith(p + ".")), key=len)
    return package, LAYER[package]


def test_modules_import_only_their_layer_and_the_ones_below() -> None:
    wrong = []
    for module in MODULES:
        package, level = layer(module)
        for target, _ in imports(module):
            if target not in MODULES and not any(m.startswith(target + ".") for m in MODULES):
                continue
            other, other_level = layer(target)
            if other_level > level or (
                other_level == level
                and other != package
                and (package, other) not in ALLOWED_SIDEWAYS
            ):
                wrong.append(f"{module} imports {target}")
    assert not wrong, wrong


def test_no_import_cycles() -> None:
    graph = {
        m: {t for t, _ in imports(m) if t in MODULES and t != m and not m.startswith(t + ".")}
        for m in MODULES
    }
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            raise AssertionError(" -> ".join([*path[path.index(node) :], node]))
        if node in done:
            return
        for nxt in sorted(graph[node]):
            visit(nxt, [*path, node])
        done.add(node)

    for module in sorted(graph):
        visit(module, [])


def test_imports_inside_functions_only_in_command_modules() -> None:
    inside = [
        f"{module} imports {target} in a function"
        for module in MODULES
        if module not in CLI_MODULES
        for target, top in imports(module)
        if not top and not any(target == lib or target.startswith(lib + ".") for lib in LAZY)
    ]
    assert not inside, inside


def test_the_core_and_nkru_eval_import_no_heavy_library() -> None:
    """Every module of the core (``nkru/``) and of ``nkru.eval``, then the ``nkru`` command,
    imported in a fresh interpreter of this (dev) install, where all of these are installed:
    none of them loads."""
    light = sorted(m for m in MODULES if layer(m)[0] in ("nkru", "nkru.eval"))
    heavy = ("spacy", "trafilatura", "sklearn", "scipy.optimize")
    code = (
        "import importlib, sys\n"
        f"for name in {[*light, 'nkru.app.cli']!r}:\n"
        "    importlib.import_module(name)\n"
        f"    print(name, [m for m in {heavy!r} if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    loaded = [line for line in done.stdout.splitlines() if not line.endswith(" []")]
    assert len(done.stdout.splitlines()) == len(light) + 1
    assert not loaded, loaded


@pytest.mark.parametrize("module", ["nkru.app.dataset.build", "nkru.app.dataset.card"])
def test_the_build_reads_no_results(module: str) -> None:
    """No file cycle: the benchmark reads the dataset and writes results/; the build never
    looks into results/ (tests/test_dataset.py checks the card holds no score)."""
    names = {
        n.id
        for n in ast.walk(ast.parse(MODULES[module].read_text("utf-8")))
        if isinstance(n, ast.Name)
    }
    assert "results_dir" not in names
