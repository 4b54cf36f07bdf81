#!/usr/bin/env bash
# Set up a virtual environment and run the main job: rebuild the dataset if the annotations
# changed, refit the systems whose runs (results/runs/) are stale, score every run, and copy
# the leaderboard into README.md. Arguments go to `nkru benchmark`: `--refit` regenerates
# every run (`--refit-expensive` too for systems marked expensive).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -c constraints.txt -e ".[baselines,report]"
.venv/bin/nkru corpus
.venv/bin/nkru build
.venv/bin/nkru benchmark "$@"
.venv/bin/nkru readme
