"""The terminal summary of ``nkru benchmark`` fits 80 columns with every system name whole."""

from __future__ import annotations

from rich.console import Console

from nkru.app.benchmark.cli import _summary


def _row(name: str, kind: str, value: float, versus: dict | None) -> dict:
    return {
        "name": name,
        "kind": kind,
        "label_map": None,
        "mapped": {},
        "pooled": {"value": value, "ci_low": value - 0.1, "ci_high": value + 0.1},
        "versus_floor": versus,
        "verdict": "not settled" if versus else None,
    }


def test_summary_fits_80_columns_and_keeps_names_whole() -> None:
    versus = {"delta": -0.125, "ci_low": -0.25, "ci_high": 0.125, "p_value": 0.40625}
    names = ["nearest-source", "tfidf-logreg", "a-rather-long-system"]
    board = {
        "tasks": {
            "attribution": {
                "metric": "overlap_pair_f1",
                "floor": "nearest-source",
                "systems": [
                    _row(names[0], "reference", 0.39, None),
                    _row(names[1], "baseline", 0.42, versus),
                    _row(names[2], "user", 0.5, versus),
                ],
            }
        }
    }
    console = Console(width=80, record=True)
    console.print(_summary(board))
    text = console.export_text()
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80
    assert "…" not in text
    for name in names:
        assert name in text
    flat = " ".join(text.split())
    assert "0.406" in flat and "(floor)" in flat and "-0.12" in flat and "+0.12]" in flat
