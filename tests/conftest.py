"""Shared test setup: the markers, a real Label Studio server for tests marked ``studio`` and
headless Chromium for tests marked ``browser``.

Markers: ``slow`` marks the integration tests (dataset build, whole benchmark, fresh venv,
Label Studio, the ML backend, Chromium); every ``studio`` and ``browser`` test is ``slow`` too,
so ``pytest -m "not slow"`` is the quick loop. scripts/test.sh runs the suite with
pytest-xdist, ``--dist loadfile``: a module's tests and its module fixtures stay on one worker.

The server is started once per session, that is once per xdist worker that runs a studio
test, on a free 127.0.0.1 port with a temporary data dir of that worker, copied from the
migrated template (built once per Label Studio version under the nkru cache dir behind a file
lock, 35-45 s the very first time; a start from it takes ~6 s). It is stopped by its PID at
the end. Label Studio comes with the dev install: missing, the studio tests fail, unless
``NKRU_SKIP_STUDIO=1`` asks to skip them (said in the skip reason).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from nkru.annotation import studio

ARTIFACTS = Path(__file__).parent / "artifacts"
SKIP_STUDIO_ENV = "NKRU_SKIP_STUDIO"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that needs Label Studio or Chromium is also ``slow``."""
    for item in items:
        if item.get_closest_marker("studio") or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """tests/artifacts/ (ignored by git through its own .gitignore)."""
    ARTIFACTS.mkdir(exist_ok=True)
    ignore = ARTIFACTS / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    return ARTIFACTS


@pytest.fixture(scope="session")
def studio_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A running Label Studio (nkru.annotation.studio.Server: url, token, credentials,
    data_dir, startup_seconds)."""
    if os.environ.get(SKIP_STUDIO_ENV) == "1":
        pytest.skip(f"{SKIP_STUDIO_ENV}=1: the Label Studio tests are skipped")
    try:
        studio.label_studio_version()
    except studio.StudioError as exc:
        pytest.fail(
            f"Label Studio is missing ({exc}); the dev install has it "
            f"(pip install -e '.[dev]'), or set {SKIP_STUDIO_ENV}=1 to skip these tests"
        )
    data_dir = tmp_path_factory.mktemp("label-studio-data")
    saved = os.environ.pop(studio.TOKEN_ENV, None)  # a fresh, generated token for the tests
    try:
        server = studio.start_server(data_dir, timeout=300)
    finally:
        if saved is not None:
            os.environ[studio.TOKEN_ENV] = saved
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path to Debian's chromium (scripts/test.sh installs it where apt-get can)."""
    path = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail("chromium is missing: scripts/test.sh installs it with apt-get (as root)")
    pytest.skip("chromium is not installed (scripts/test.sh installs it: apt-get install chromium)")
