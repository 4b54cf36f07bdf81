#!/usr/bin/env bash
# Set up a virtual environment and run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -c constraints.txt -e .
.venv/bin/nkru corpus
.venv/bin/nkru benchmark
