#!/usr/bin/env bash
# Set up a virtual environment with every extra (and Debian's chromium for the browser tests)
# and run the whole test suite (lint, format check, pytest in parallel).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
# System packages the tests use, from Debian (as root with apt-get; otherwise those tests skip
# outside CI): PostgreSQL for Label Studio on PostgreSQL (tests/test_postgres.py), chromium for
# the browser tests.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v chromium >/dev/null || missing+=(chromium)
  if [ "${#missing[@]}" -gt 0 ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -c constraints.txt -e ".[dev]"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python scripts/typecheck.py  # mypy over the whole package, clean
# In parallel (pytest-xdist): one worker per core, a test file's tests on one worker (its module
# fixtures run once); each worker that runs a Label Studio test starts its own server. The files
# start longest first, as tests/conftest.py orders them (--no-loadscope-reorder keeps that
# order); the log ends with the 25 slowest set-ups, calls and tear-downs.
.venv/bin/python -m pytest -n auto --dist loadfile --no-loadscope-reorder --durations=25 "$@"
