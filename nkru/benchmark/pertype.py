"""Per-type NER F1 with bootstrap intervals.

``nkru.eval`` bootstraps the headline metric only, so the per-type intervals are computed here
with the same machinery: each example is scored alone by ``nkru.eval.ner.NerScorer`` (the same
matching as the headline), giving per-example strict ``(COR, POS, ACT)`` counts per type; these
are resampled by ``nkru.eval.bootstrap.bootstrap_interval`` with the same seed, resample count
and units as the headline interval, so every type sees the same resamples as the micro F1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from nkru.eval.api import make_parser
from nkru.eval.bootstrap import bootstrap_interval
from nkru.eval.gold import GoldSet
from nkru.eval.metrics import span_f1_headline
from nkru.eval.ner import LabelMap, NerScorer
from nkru.eval.problems import ProblemLog


def per_type_f1(
    gold: GoldSet,
    predictions: Path,
    label_map: LabelMap | None,
    resamples: int,
    seed: int,
    level: float = 0.95,
) -> dict[str, dict[str, Any]]:
    """Type -> strict F1, interval and counts, from a prediction file already validated."""
    parser = make_parser("ner", label_map)
    log = ProblemLog(str(predictions))
    parsed: dict[str, Any] = {}
    with predictions.open(encoding="utf-8") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            obj = json.loads(text)
            position = gold.index.get(obj.get("id"))
            if position is None:
                continue
            example = gold.examples[position]
            parsed[example.id] = parser.payload(obj, line, log, example.text_len)
    per_example: list[dict[str, tuple[int, int, int]]] = []
    labels: set[str] = set()
    for example in gold.examples:
        scorer = NerScorer(label_map)
        scorer.add(example, parsed.get(example.id))
        counts = {
            label: (m["strict"]["cor"], m["strict"]["pos"], m["strict"]["act"])
            for label, m in scorer.results()["per_type"].items()
        }
        labels.update(counts)
        per_example.append(counts)
    out: dict[str, dict[str, Any]] = {}
    for label in sorted(labels):
        counts = np.array([c.get(label, (0, 0, 0)) for c in per_example], dtype=float)
        total = counts.sum(axis=0)
        low, high = bootstrap_interval(counts, span_f1_headline, resamples, seed, level)
        out[label] = {
            "f1": float(span_f1_headline(total)),
            "ci_low": low,
            "ci_high": high,
            "cor": int(total[0]),
            "gold": int(total[1]),
            "predicted": int(total[2]),
        }
    return out
