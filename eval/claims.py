"""Claim span scoring: one-to-one overlap matching (token IoU >= 0.5), strict spans, detection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .metrics import CountVector, prf, span_f1
from .spans import Span, TokenGrid, best_matching
from .validate import Example

IOU_THRESHOLD = 0.5


def overlap_matching(grid: TokenGrid, gold: list[Span], pred: list[Span]) -> list[tuple[int, int]]:
    """The optimal one-to-one matching of spans with token IoU >= 0.5, as ``(gold, pred)``
    index pairs. Ties between matchings of the same size go to the larger total IoU.
    """
    edges, weights = [], []
    for g, gspan in enumerate(gold):
        for p, pspan in enumerate(pred):
            iou = grid.iou(gspan, pspan)
            if iou >= IOU_THRESHOLD:
                edges.append((g, p))
                weights.append(1.0 + iou / (len(gold) + len(pred)))
    return [(g, p) for g, p, _ in best_matching(edges, weights)]


@dataclass
class SpanCounts:
    """Span counts summed over examples, and the example-level detection outcome."""

    overlap_matched: int = 0
    strict_matched: int = 0
    gold: int = 0
    predicted: int = 0
    detected: int = 0  # examples with a gold and a predicted span (TP)
    spurious: int = 0  # examples with predicted spans only (FP)
    missed: int = 0  # examples with gold spans only (FN)


class ClaimsScorer:
    """Overlap span F1 (headline), strict span F1 and sentence-level claim detection."""

    width = 3

    def __init__(self) -> None:
        self.totals = SpanCounts()
        self.metrics = {"overlap_span_f1": self.headline}

    def headline(self, totals: np.ndarray) -> np.ndarray:
        """Overlap span F1 of ``(matched, gold, predicted)`` columns; NaN in a resample
        without any span when the scored data has gold spans (``metrics.measured_f1``)."""
        return span_f1(totals, self.totals.gold > 0)

    def add(self, gold: Example, pred: list[Span] | None) -> list[tuple[int, CountVector]]:
        """Score one sentence; returns its ``(overlap matched, gold spans, predicted spans)``."""
        g_spans: list[Span] = gold.payload
        p_spans = pred or []
        matched = len(overlap_matching(TokenGrid(gold.tokens), g_spans, p_spans))
        t = self.totals
        t.overlap_matched += matched
        t.strict_matched += len(set(g_spans) & set(p_spans))
        t.gold += len(g_spans)
        t.predicted += len(p_spans)
        t.detected += bool(g_spans) and bool(p_spans)
        t.spurious += not g_spans and bool(p_spans)
        t.missed += bool(g_spans) and not p_spans
        return [(0, (matched, len(g_spans), len(p_spans)))]

    def results(self) -> dict[str, Any]:
        """Raw counts and P/R/F1 for overlap spans, strict spans and sentence detection."""
        t = self.totals
        overlap, strict, n_gold, n_pred = t.overlap_matched, t.strict_matched, t.gold, t.predicted
        tp, fp, fn = t.detected, t.spurious, t.missed
        return {
            "counts": {
                "gold_spans": n_gold,
                "predicted_spans": n_pred,
                "overlap_matched": overlap,
                "strict_matched": strict,
                "sentence_detection": {"tp": tp, "fp": fp, "fn": fn},
            },
            "micro": {
                "overlap_span": prf(overlap, n_gold, n_pred),
                "strict_span": prf(strict, n_gold, n_pred),
                "sentence_detection": prf(tp, tp + fn, tp + fp),
            },
        }
