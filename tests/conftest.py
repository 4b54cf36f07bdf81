"""Shared test setup: the markers, a real Label Studio server for tests marked ``studio`` and
headless Chromium for tests marked ``browser``.

Markers: ``slow`` marks the integration tests (dataset build, whole benchmark, fresh venv,
Label Studio, the ML backend, Chromium); every ``studio`` and ``browser`` test is ``slow`` too,
so ``pytest -m "not slow"`` is the quick loop. scripts/test.sh runs the suite with
pytest-xdist, ``--dist loadfile --no-loadscope-reorder``: a module's tests and its module
fixtures stay on one worker, and the files start longest first (see
:func:`pytest_collection_modifyitems`).

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


TEST_SECONDS = "nkru/test-seconds"
"""pytest's cache key of each test's seconds (setup, call and teardown) in the last run that
ran it."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that needs Label Studio or Chromium is also ``slow``. The files run longest
    first (xdist's ``loadfile`` with ``--no-loadscope-reorder`` hands them to the workers in
    this order, so the longest start first and the quick ones fill in at the end): a file
    takes the seconds its tests took in their last run (:data:`TEST_SECONDS`), a slow test
    never timed counting as longer than any. A file's tests keep their order."""
    cache = getattr(config, "cache", None)  # None with -p no:cacheprovider
    timed: dict[str, float] = cache.get(TEST_SECONDS, {}) if cache else {}
    expected: dict[Path, float] = {}
    for item in items:
        if item.get_closest_marker("studio") or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
        unknown = float("inf") if item.get_closest_marker("slow") else 0.0
        expected[item.path] = expected.get(item.path, 0.0) + timed.get(item.nodeid, unknown)
    items.sort(key=lambda item: expected[item.path], reverse=True)


def pytest_configure(config: pytest.Config) -> None:
    cache = getattr(config, "cache", None)
    if cache is not None and not hasattr(config, "workerinput"):  # not in an xdist worker
        config.pluginmanager.register(_Timer(cache), "nkru-test-timer")


class _Timer:
    """Adds up each test's seconds from its reports (the controller's under xdist) and stores
    them in pytest's cache at the end, for the next run's order; a skipped test's seconds say
    nothing of its cost and are left out."""

    def __init__(self, cache: pytest.Cache) -> None:
        self.cache = cache
        self.seconds: dict[str, float] = {}
        self.skipped: set[str] = set()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.seconds[report.nodeid] = self.seconds.get(report.nodeid, 0.0) + report.duration
        if report.skipped:
            self.skipped.add(report.nodeid)

    def pytest_sessionfinish(self) -> None:
        timed = self.cache.get(TEST_SECONDS, {})
        timed.update({n: round(s, 2) for n, s in self.seconds.items() if n not in self.skipped})
        self.cache.set(TEST_SECONDS, timed)


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
