"""Shared test setup: a real Label Studio server for tests marked ``studio`` and headless
Chromium for tests marked ``browser``.

The server is started once per session on a free 127.0.0.1 port, with a temporary data dir
copied from the migrated template (built once per Label Studio version under the nkru cache dir,
35-45 s the very first time; a start from it takes ~6 s). It is stopped by its PID at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

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
    studio = pytest.importorskip("nkru.annotation.studio")
    try:
        studio.label_studio_version()
    except studio.StudioError as exc:
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


def _in_ci() -> bool:
    return bool(os.environ.get("CI"))


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path to Debian's chromium, installed with apt-get when missing."""
    path = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if path:
        return path
    apt = shutil.which("apt-get")
    if apt and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in ([apt, "update"], [apt, "install", "-y", "chromium"]):
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                break
        path = shutil.which("chromium")
        if path:
            return path
    if _in_ci():
        pytest.fail("chromium is missing and could not be installed with apt-get")
    pytest.skip(
        "chromium is not installed (apt-get install -y chromium) and cannot be "
        "installed here (needs root and apt-get)"
    )
