"""``results/scores.csv``: the leaderboard as a tidy table that pandas reads back unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from nkru.app.benchmark.tidy import COLUMNS, write_scores_csv
from nkru.paths import results_dir


def test_scores_csv_has_every_evaluation_of_every_system(tmp_path: Path) -> None:
    board = json.loads((results_dir() / "leaderboard.json").read_text(encoding="utf-8"))
    frame = pd.read_csv(write_scores_csv(board, tmp_path / "scores.csv"), dtype={"label_map": str})
    assert tuple(frame.columns) == COLUMNS
    assert set(frame["task"]) == set(board["tasks"])
    keys = ["task", "system", "label_map", "evaluation"]
    assert not frame.duplicated(keys).any()
    documents = board["dataset"]["documents"]
    for task, info in board["tasks"].items():
        for row in info["systems"]:
            mine = frame[(frame.task == task) & (frame.system == row["name"])]
            own = mine[mine.label_map.isna()] if not row.get("label_map") else mine
            if row.get("pooled"):
                pooled = own[own.evaluation == "pooled"].iloc[0]
                assert pooled.value == row["pooled"]["value"]
                assert pooled.ci_low == row["pooled"]["ci_low"]
                assert pooled.metric == info["metric"]
            folds = {f["document"]: f["value"] for f in row.get("folds") or []}
            per_doc = own[own.evaluation.str.startswith("document:")]
            assert dict(zip(per_doc.evaluation.str[9:], per_doc.value, strict=True)) == folds
            assert set(folds) <= set(documents)
