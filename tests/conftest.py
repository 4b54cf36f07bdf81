"""Shared test setup: a real Label Studio server for tests marked ``studio`` and headless
Chromium for tests marked ``browser``.

The server is started once per session on a free 127.0.0.1 port, with a temporary data dir
copied from the migrated template (built once per Label Studio version under the nkru cache dir,
35-45 s the very first time; a start from it takes ~6 s). It is stopped by its PID at the end.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from nkru.annotation import studio

ARTIFACTS = Path(__file__).parent / "artifacts"


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
    try:
        studio.label_studio_version()
    except studio.StudioError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Label Studio is missing: {exc}")
        pytest.skip(str(exc))
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
