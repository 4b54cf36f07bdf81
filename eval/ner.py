"""NER scoring with the SemEval-2013 Task 9.1 schemes (strict, exact, partial, type).

Each predicted and gold entity is in at most one pair. Within an example, a one-to-one
matching is chosen per scheme that first maximises the pairs that are fully right for the
scheme (COR), then the number of overlapping pairs (INC, or PAR in the partial scheme).
Unpaired gold entities are MIS, unpaired predictions SPU, so POS = COR+INC+PAR+MIS is the
number of gold entities and ACT = COR+INC+PAR+SPU the number of predictions. Per-type
figures apply the schemes to the gold and predicted entities of that type alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from nkru.eval.metrics import CountVector, f1_array, prf
from nkru.eval.spans import best_matching, overlap_edges
from nkru.eval.validate import Example

SCHEMES = ("strict", "exact", "partial", "type")
Entity = tuple[int, int, str]


def _matched(edges: list[tuple[int, int]], full: list[bool]) -> tuple[int, int]:
    """``(COR, paired)`` of the lexicographically best one-to-one matching."""
    big = len(edges) + 1
    matching = best_matching(edges, [big if f else 1 for f in full])
    return sum(full[e] for _, _, e in matching), len(matching)


def _scheme_counts(cor: int, paired: int, pos: int, act: int, scheme: str) -> dict[str, int]:
    wrong = paired - cor
    return {
        "cor": cor,
        "inc": 0 if scheme == "partial" else wrong,
        "par": wrong if scheme == "partial" else 0,
        "mis": pos - paired,
        "spu": act - paired,
        "pos": pos,
        "act": act,
    }


def _scheme_metrics(counts: dict[str, int]) -> dict[str, Any]:
    credit = counts["cor"] + 0.5 * counts["par"]
    return {**counts, **prf(credit, counts["pos"], counts["act"])}


class NerScorer:
    """Accumulates SemEval-2013 counts over examples; headline strict micro F1."""

    width = 3

    def __init__(self, label_map: Mapping[str, str] | None = None) -> None:
        self.label_map = dict(label_map or {})
        # strict COR, paired; exact COR, paired; type COR, paired; POS; ACT
        self.totals = [0] * 8
        # per type: exact COR, exact paired, type paired, POS, ACT
        self.types: dict[str, list[int]] = {}

    def _type(self, label: str) -> list[int]:
        counts = self.types.get(label)
        if counts is None:
            counts = self.types[label] = [0, 0, 0, 0, 0]
        return counts

    def add(self, gold: Example, pred: list[Entity] | None) -> list[tuple[int, CountVector]]:
        """Score one example; returns its strict ``(COR, POS, ACT)``."""
        g_ents: list[Entity] = gold.payload
        p_ents: list[Entity] = pred or []
        if self.label_map:
            lm = self.label_map
            g_ents = [(s, e, lm.get(lab, lab)) for s, e, lab in g_ents]
            p_ents = [(s, e, lm.get(lab, lab)) for s, e, lab in p_ents]
        for ent in g_ents:
            self._type(ent[2])[3] += 1
        for ent in p_ents:
            self._type(ent[2])[4] += 1
        edges = overlap_edges(g_ents, p_ents)
        bounds = [g_ents[g][:2] == p_ents[p][:2] for g, p in edges]
        labels = [g_ents[g][2] == p_ents[p][2] for g, p in edges]
        strict = [b and lab for b, lab in zip(bounds, labels, strict=True)]
        gold_side = {g for g, _ in edges}
        pred_side = {p for _, p in edges}
        totals = self.totals
        if len(gold_side) == len(edges) == len(pred_side):
            # No entity overlaps two others: the overlaps are the matching.
            cor_s, paired = sum(strict), len(edges)
            totals[0] += cor_s
            totals[1] += paired
            totals[2] += sum(bounds)
            totals[3] += paired
            totals[4] += sum(labels)
            totals[5] += paired
            for (g, _), same_bounds, same_label in zip(edges, bounds, labels, strict=True):
                if same_label:
                    counts = self.types[g_ents[g][2]]
                    counts[0] += same_bounds
                    counts[1] += 1
                    counts[2] += 1
        else:
            cor_s, paired = _matched(edges, strict)
            totals[0] += cor_s
            totals[1] += paired
            for offset, full in ((2, bounds), (4, labels)):
                cor, paired = _matched(edges, full)
                totals[offset] += cor
                totals[offset + 1] += paired
            self._add_types_slow(g_ents, edges, bounds, labels)
        totals[6] += len(g_ents)
        totals[7] += len(p_ents)
        return [(0, (cor_s, len(g_ents), len(p_ents)))]

    def _add_types_slow(
        self,
        g_ents: list[Entity],
        edges: list[tuple[int, int]],
        bounds: list[bool],
        labels: list[bool],
    ) -> None:
        by_type: dict[str, list[int]] = {}
        for e, same_label in enumerate(labels):
            if same_label:
                by_type.setdefault(g_ents[edges[e][0]][2], []).append(e)
        for label, chosen in by_type.items():
            sub_edges = [edges[e] for e in chosen]
            cor, paired = _matched(sub_edges, [bounds[e] for e in chosen])
            counts = self.types[label]
            counts[0] += cor
            counts[1] += paired
            counts[2] += _matched(sub_edges, [True] * len(chosen))[1]

    def headline(self, totals: np.ndarray) -> np.ndarray:
        """Strict micro F1 from ``(COR, POS, ACT)`` columns."""
        return f1_array(totals[..., 0], totals[..., 1], totals[..., 2])

    def results(self) -> dict[str, Any]:
        """Raw counts and micro, macro and per-type precision/recall/F1 for every scheme."""
        t = self.totals
        pos, act = t[6], t[7]
        paired = {
            "strict": (t[0], t[1]),
            "exact": (t[2], t[3]),
            "partial": (t[2], t[3]),
            "type": (t[4], t[5]),
        }
        counts = {s: _scheme_counts(*paired[s], pos, act, s) for s in SCHEMES}
        per_type: dict[str, dict[str, Any]] = {}
        for label in sorted(self.types):
            ecor, epaired, tpaired, tpos, tact = self.types[label]
            type_paired = {
                "strict": (ecor, epaired),
                "exact": (ecor, epaired),
                "partial": (ecor, epaired),
                "type": (tpaired, tpaired),
            }
            per_type[label] = {
                s: _scheme_metrics(_scheme_counts(*type_paired[s], tpos, tact, s)) for s in SCHEMES
            }
        macro = {
            s: {
                m: float(np.mean([per_type[lab][s][m] for lab in per_type])) if per_type else 0.0
                for m in ("precision", "recall", "f1")
            }
            for s in SCHEMES
        }
        return {
            "counts": counts,
            "micro": {s: _scheme_metrics(counts[s]) for s in SCHEMES},
            "macro": macro,
            "per_type": per_type,
        }
