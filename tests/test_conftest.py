"""tests/conftest.py's order: the test files start longest first, by the seconds their tests
took in the last run (pytest's cache); a slow test never timed counts as longer than any."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CONFTEST = Path(__file__).with_name("conftest.py")
FILES = {
    "test_quick": "def test_one():\n    pass\n",
    "test_long": "def test_one():\n    pass\n\ndef test_two():\n    pass\n",
    "test_slow": "import pytest\n\n@pytest.mark.slow\ndef test_one():\n    pass\n",
    "test_skipped": "import pytest\n\ndef test_one():\n    pytest.skip('not here')\n",
}


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    pytester.makeini("[pytest]\nmarkers =\n    slow\n    studio\n    browser\n")
    pytester.makepyfile(**FILES)
    return pytester


def _order(suite: pytest.Pytester) -> list[str]:
    listed = suite.runpytest("--collect-only", "-q").stdout.lines
    return [line.split("::")[0] for line in listed if "::" in line]


def test_untimed_files_run_slow_first_then_in_collection_order(suite: pytest.Pytester) -> None:
    assert _order(suite) == [
        "test_slow.py",
        "test_long.py",
        "test_long.py",
        "test_quick.py",
        "test_skipped.py",
    ]


def test_timed_files_run_longest_first_and_a_run_records_its_seconds(
    suite: pytest.Pytester,
) -> None:
    seconds = {
        "test_quick.py::test_one": 3.0,
        "test_long.py::test_one": 1.0,
        "test_long.py::test_two": 1.5,  # 2.5 s in all: after test_quick.py
        "test_slow.py::test_one": 0.5,
    }
    suite.mkdir(".pytest_cache")
    cache = suite.path / ".pytest_cache" / "v" / "nkru" / "test-seconds"
    cache.parent.mkdir(parents=True)
    cache.write_text(json.dumps(seconds), encoding="utf-8")
    assert _order(suite) == [
        "test_quick.py",
        "test_long.py",
        "test_long.py",
        "test_slow.py",
        "test_skipped.py",
    ]
    suite.runpytest().assert_outcomes(passed=4, skipped=1)
    recorded = json.loads(cache.read_text(encoding="utf-8"))
    # every test that ran has its new seconds; the skipped one says nothing of its cost
    assert set(recorded) == set(seconds)
    assert all(recorded[n] < 1 for n in seconds), recorded
