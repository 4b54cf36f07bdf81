"""Claim span scoring: one-to-one overlap matching (token IoU >= 0.5), strict spans, detection."""

from __future__ import annotations

from typing import Any

from nkru.eval.metrics import CountVector, prf, span_f1_headline
from nkru.eval.spans import Span, TokenGrid, best_matching
from nkru.eval.validate import Example

IOU_THRESHOLD = 0.5


def overlap_matches(grid: TokenGrid, gold: list[Span], pred: list[Span]) -> int:
    """Size of the optimal one-to-one matching of spans with token IoU >= 0.5.

    Ties between matchings of the same size go to the larger total IoU.
    """
    edges, weights = [], []
    for g, gspan in enumerate(gold):
        for p, pspan in enumerate(pred):
            iou = grid.iou(gspan, pspan)
            if iou >= IOU_THRESHOLD:
                edges.append((g, p))
                weights.append(1.0 + iou / (len(gold) + len(pred)))
    return len(best_matching(edges, weights))


class ClaimsScorer:
    """Overlap span F1 (headline), strict span F1 and sentence-level claim detection."""

    width = 3

    def __init__(self) -> None:
        # overlap matched, strict matched, gold spans, predicted spans, detection TP, FP, FN
        self.totals = [0] * 7

    def add(self, gold: Example, pred: list[Span] | None) -> list[tuple[int, CountVector]]:
        """Score one sentence; returns its ``(overlap matched, gold spans, predicted spans)``."""
        g_spans: list[Span] = gold.payload
        p_spans = pred or []
        matched = overlap_matches(TokenGrid(gold.tokens), g_spans, p_spans)
        t = self.totals
        t[0] += matched
        t[1] += len(set(g_spans) & set(p_spans))
        t[2] += len(g_spans)
        t[3] += len(p_spans)
        t[4] += bool(g_spans) and bool(p_spans)
        t[5] += not g_spans and bool(p_spans)
        t[6] += bool(g_spans) and not p_spans
        return [(0, (matched, len(g_spans), len(p_spans)))]

    headline = staticmethod(span_f1_headline)

    def results(self) -> dict[str, Any]:
        """Raw counts and P/R/F1 for overlap spans, strict spans and sentence detection."""
        overlap, strict, n_gold, n_pred, tp, fp, fn = self.totals
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
