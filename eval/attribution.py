"""Source–claim pair scoring: both spans overlap-matched (token IoU >= 0.5), one-to-one.

Bootstrap units are sentences: a matched or missed gold pair belongs to the sentence holding
its gold source start, a spurious prediction to the sentence holding its source start
(sentences from the gold ``sentences`` field; without it the whole example is one unit).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .claims import IOU_THRESHOLD
from .metrics import CountVector, prf, span_f1
from .spans import Span, TokenGrid, best_matching
from .validate import Example

Pair = tuple[int, int, int, int, str | None]


def pair_matching(
    grid: TokenGrid, gold: Sequence[Pair], pred: Sequence[Pair], labelled: bool
) -> list[tuple[int, int, int]]:
    """Optimal one-to-one matching of pairs whose source and claim both have IoU >= 0.5."""
    edges, weights = [], []
    scale = 2 * (len(gold) + len(pred))
    for g, gp in enumerate(gold):
        for p, pp in enumerate(pred):
            if labelled and gp[4] != pp[4]:
                continue
            source = grid.iou(gp[0:2], pp[0:2])
            if source < IOU_THRESHOLD:
                continue
            claim = grid.iou(gp[2:4], pp[2:4])
            if claim >= IOU_THRESHOLD:
                edges.append((g, p))
                weights.append(1.0 + (source + claim) / scale)
    return best_matching(edges, weights)


def sentence_of(sentences: list[Span] | None, offset: int) -> int:
    """Index of the sentence holding ``offset`` (the previous one between sentences)."""
    if not sentences:
        return 0
    return max(bisect_right([s[0] for s in sentences], offset) - 1, 0)


@dataclass
class PairCounts:
    """Pair counts summed over documents."""

    matched: int = 0
    labelled_matched: int = 0  # matched with the same stance too
    gold: int = 0
    predicted: int = 0
    gold_labelled: int = 0  # gold pairs with a stance


class AttributionScorer:
    """Overlap pair F1 (headline) and, when gold pairs carry stances, labelled pair F1."""

    width = 3

    def __init__(self) -> None:
        self.totals = PairCounts()
        self.metrics = {"overlap_pair_f1": self.headline}

    def headline(self, totals: np.ndarray) -> np.ndarray:
        """Overlap pair F1 of ``(matched, gold, predicted)`` columns; NaN in a resample
        without any pair when the scored data has gold pairs (``metrics.measured_f1``)."""
        return span_f1(totals, self.totals.gold > 0)

    def add(self, gold: Example, pred: list[Pair] | None) -> list[tuple[int, CountVector]]:
        """Score one document; returns ``(matched, gold, predicted)`` per sentence."""
        g_pairs: list[Pair] = gold.payload
        p_pairs = pred or []
        grid = TokenGrid(gold.tokens)
        matching = pair_matching(grid, g_pairs, p_pairs, labelled=False)
        labelled = pair_matching(grid, g_pairs, p_pairs, labelled=True)
        t = self.totals
        t.matched += len(matching)
        t.labelled_matched += len(labelled)
        t.gold += len(g_pairs)
        t.predicted += len(p_pairs)
        t.gold_labelled += sum(gp[4] is not None for gp in g_pairs)
        units: Counter[tuple[int, int]] = Counter()
        matched_gold = {g for g, _, _ in matching}
        matched_pred = {p for _, p, _ in matching}
        for g, gp in enumerate(g_pairs):
            unit = sentence_of(gold.sentences, gp[0])
            units[unit, 0] += g in matched_gold
            units[unit, 1] += 1
            units[unit, 2] += g in matched_gold
        for p, pp in enumerate(p_pairs):
            if p not in matched_pred:
                units[sentence_of(gold.sentences, pp[0]), 2] += 1
        sentences = sorted({u for u, _ in units}) or [0]
        return [(u, (units[u, 0], units[u, 1], units[u, 2])) for u in sentences]

    def results(self) -> dict[str, Any]:
        """Raw counts and P/R/F1 of overlap pairs, and of labelled pairs when gold has labels."""
        t = self.totals
        matched, labelled, n_gold, n_pred = t.matched, t.labelled_matched, t.gold, t.predicted
        n_labelled = t.gold_labelled
        micro = {"overlap_pair": prf(matched, n_gold, n_pred)}
        if n_labelled:
            micro["labelled_pair"] = prf(labelled, n_gold, n_pred)
        return {
            "counts": {
                "gold_pairs": n_gold,
                "predicted_pairs": n_pred,
                "overlap_matched": matched,
                "labelled_matched": labelled,
            },
            "micro": micro,
        }
