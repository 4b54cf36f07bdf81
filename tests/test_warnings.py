"""The test run's warning filters (pyproject.toml): a deprecation warning raised from the
project's own modules fails the test that triggers it."""

from __future__ import annotations

import warnings

import pytest


def test_a_deprecation_warning_from_our_code_is_an_error() -> None:
    code = compile("warnings.warn('an old API', DeprecationWarning)", "nkru/example.py", "exec")
    with pytest.raises(DeprecationWarning, match="an old API"):
        exec(code, {"__name__": "nkru.example", "warnings": warnings})


def test_one_from_elsewhere_is_only_a_warning() -> None:
    code = compile("warnings.warn('their old API', DeprecationWarning)", "lib.py", "exec")
    with pytest.warns(DeprecationWarning, match="their old API"):
        exec(code, {"__name__": "somelib.module", "warnings": warnings})
