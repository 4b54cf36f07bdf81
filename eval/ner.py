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
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nkru.eval.metrics import CountVector, f1_array, prf
from nkru.eval.spans import best_matching, overlap_edges
from nkru.eval.validate import FAST_OFFSET_LIMIT, Example

SCHEMES = ("strict", "exact", "partial", "type")
Entity = tuple[int, int, str]
LabelMap = Mapping[str, str | None]
"""Label renames applied to gold and predictions before scoring; None drops the label."""


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

    def __init__(self, label_map: LabelMap | None = None) -> None:
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
            g_ents, p_ents = self._mapped(g_ents), self._mapped(p_ents)
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

    def strict_by_type(
        self, gold: Example, pred: list[Entity] | None, names: Mapping[str, int], out: np.ndarray
    ) -> None:
        """Add one example's strict ``(COR, POS, ACT)`` per type to ``out[names[type]]``.

        No two entities of one side overlap, so the strict matches are the identical entities.
        """
        g_ents: list[Entity] = gold.payload
        p_ents: list[Entity] = pred or []
        if self.label_map:
            g_ents, p_ents = self._mapped(g_ents), self._mapped(p_ents)
        for column, ents in ((0, set(g_ents) & set(p_ents)), (1, g_ents), (2, p_ents)):
            for _, _, label in ents:
                out[names[label], column] += 1

    def _mapped(self, ents: list[Entity]) -> list[Entity]:
        """Entities with their labels mapped; those mapped to None are dropped."""
        lm = self.label_map
        return [(s, e, m) for s, e, lab in ents if (m := lm.get(lab, lab)) is not None]

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


class NerBatch:
    """Vectorised NER scoring (numpy) of records that passed the fast validation path.

    Records are queued (gold position plus the prediction's offsets and label ids) and
    scored a chunk at a time, so memory stays bounded by the chunk and the gold data. In a
    chunk, entities are keyed ``record << 32 | offset``, sorted, and each entity's overlaps on
    the other side found by binary search. Records where no entity overlaps two others are
    counted exactly like ``NerScorer.add``'s fast case (the overlaps are the matching), with
    ``np.bincount`` per type and per record; the rare others go through ``NerScorer.add``.
    """

    def __init__(
        self,
        scorer: NerScorer,
        examples: list[Example],
        arrays: GoldArrays,
        pred_names: tuple[str, ...],
        out: np.ndarray,
        types: TypeCounts | None = None,
        chunk: int = 8192,
    ) -> None:
        self.scorer = scorer
        self.examples = examples
        self.gold = arrays
        self.out = out
        self.types = types
        self.chunk = chunk
        self.names = list(arrays.names)
        self.pred_ids = np.array([arrays.vocab(name, self.names) for name in pred_names] or [0])
        lm = scorer.label_map
        self._reset()
        # Mapped label id of every (unmapped) label id; ids past the gold and prediction
        # vocabularies are targets of the label map. Labels mapped to None are dropped.
        mapped = [lm.get(name, name) for name in list(self.names)]
        self.dropped = np.array([m is None for m in mapped] or [False])
        self.remap = np.array(
            [0 if m is None else arrays.vocab(m, self.names) for m in mapped] or [0]
        )
        if types is not None:  # column of every (mapped) label id
            self.type_col = np.array([types.columns.get(n, -1) for n in self.names])
        self.queued = 0

    def _reset(self) -> None:
        self.queued = 0
        self.parts: list[tuple[np.ndarray, ...]] = []

    def add(
        self,
        positions: np.ndarray,
        lengths: np.ndarray,
        starts: np.ndarray,
        ends: np.ndarray,
        label_ids: np.ndarray,
    ) -> None:
        """Queue records: gold positions, entity counts, then their entities, flat (label ids
        from the prediction parser's ``label_names``)."""
        self.parts.append((positions, lengths, starts, ends, label_ids))
        self.queued += len(positions)
        if self.queued >= self.chunk:
            self.flush()

    def flush(self) -> None:
        """Score the queued records."""
        if not self.queued:
            return
        q, plen, starts, ends, labels = (
            np.concatenate(column).astype(np.int64) for column in zip(*self.parts, strict=True)
        )
        self._reset()
        m = len(q)
        rec = np.arange(m, dtype=np.int64)
        p_r = np.repeat(rec, plen)
        p_raw = self.pred_ids[labels]
        g = self.gold
        first, glen = g.offsets[q], g.offsets[q + 1] - g.offsets[q]
        g_idx = np.repeat(first - (np.cumsum(glen) - glen), glen) + np.arange(glen.sum())
        g_r = np.repeat(rec, glen)
        if self.dropped.any():
            keep = ~self.dropped[p_raw]
            p_r, starts, ends, p_raw = p_r[keep], starts[keep], ends[keep], p_raw[keep]
            keep = ~self.dropped[g.labels[g_idx]]
            g_idx, g_r = g_idx[keep], g_r[keep]
        p_s = (p_r << 32) | starts
        p_e = (p_r << 32) | ends
        g_s = (g_r << 32) | g.starts[g_idx]
        g_e = (g_r << 32) | g.ends[g_idx]
        g_raw = g.labels[g_idx]
        # Sort both sides; without self-overlaps, ends are then sorted too.
        order = np.argsort(g_s, kind="stable")
        g_r, g_s, g_e, g_raw = g_r[order], g_s[order], g_e[order], g_raw[order]
        order = np.argsort(p_s, kind="stable")
        p_r, p_s, p_e, p_raw = p_r[order], p_s[order], p_e[order], p_raw[order]
        p_first = np.searchsorted(g_e, p_s, side="right")
        p_deg = np.searchsorted(g_s, p_e, side="left") - p_first
        g_deg = np.searchsorted(p_s, g_e, side="left") - np.searchsorted(p_e, g_s, side="right")
        bad = np.zeros(m, dtype=bool)
        bad[p_r[p_deg > 1]] = True
        bad[g_r[g_deg > 1]] = True
        g_ok, p_ok = ~bad[g_r], ~bad[p_r]
        edge = p_ok & (p_deg == 1)
        e_g = p_first[edge]
        g_lab, p_lab = self.remap[g_raw], self.remap[p_raw]
        bounds = (g_s[e_g] == p_s[edge]) & (g_e[e_g] == p_e[edge])
        same = g_lab[e_g] == p_lab[edge]
        strict = bounds & same
        paired = int(edge.sum())
        totals = self.scorer.totals
        totals[0] += int(strict.sum())
        totals[1] += paired
        totals[2] += int(bounds.sum())
        totals[3] += paired
        totals[4] += int(same.sum())
        totals[5] += paired
        totals[6] += int(g_ok.sum())
        totals[7] += int(p_ok.sum())
        width = len(self.names)
        pos = np.bincount(g_lab[g_ok], minlength=width)
        act = np.bincount(p_lab[p_ok], minlength=width)
        typed = g_lab[e_g][same]
        ecor = np.bincount(typed[bounds[same]], minlength=width)
        epaired = np.bincount(typed, minlength=width)
        for label in np.flatnonzero(pos + act).tolist():
            counts = self.scorer._type(self.names[label])
            counts[0] += int(ecor[label])
            counts[1] += int(epaired[label])
            counts[2] += int(epaired[label])
            counts[3] += int(pos[label])
            counts[4] += int(act[label])
        vectors = np.stack(
            [
                np.bincount(p_r[edge][strict], minlength=m),
                np.bincount(g_r, minlength=m),
                np.bincount(p_r, minlength=m),
            ],
            axis=1,
        )
        good = ~bad
        self.out[q[good]] = vectors[good]
        if self.types is not None:
            self._add_types(q, g_r, g_s, g_e, g_lab, p_r, p_s, p_e, p_lab)
        for r in np.flatnonzero(bad).tolist():
            mine = p_r == r
            pred = [
                (int(s) & 0xFFFFFFFF, int(e) & 0xFFFFFFFF, self.names[lab])
                for s, e, lab in zip(p_s[mine], p_e[mine], p_raw[mine], strict=True)
            ]
            ((_, vector),) = self.scorer.add(self.examples[q[r]], pred)
            self.out[q[r]] = vector

    def _add_types(
        self,
        q: np.ndarray,
        g_r: np.ndarray,
        g_s: np.ndarray,
        g_e: np.ndarray,
        g_lab: np.ndarray,
        p_r: np.ndarray,
        p_s: np.ndarray,
        p_e: np.ndarray,
        p_lab: np.ndarray,
    ) -> None:
        """Per-record strict ``(COR, POS, ACT)`` per type (sides sorted by packed start):
        with no overlaps within a side, a strict match is a prediction identical to a gold."""
        assert self.types is not None
        width = len(self.types.names)
        at = np.minimum(np.searchsorted(g_s, p_s), max(len(g_s) - 1, 0))
        hit = (
            (g_s[at] == p_s) & (g_e[at] == p_e) & (g_lab[at] == p_lab)
            if len(g_s)
            else np.zeros(len(p_s), dtype=bool)
        )
        g_cell = (g_r * width + self.type_col[g_lab]) * 3
        p_cell = (p_r * width + self.type_col[p_lab]) * 3
        size = len(q) * width * 3
        cells = (
            np.bincount(p_cell[hit], minlength=size)
            + np.bincount(g_cell + 1, minlength=size)
            + np.bincount(p_cell + 2, minlength=size)
        )
        self.types.counts[q] = cells.reshape(len(q), width, 3)


@dataclass
class TypeCounts:
    """Strict ``(COR, POS, ACT)`` per row and entity type (after the label map), for per-type
    bootstrap intervals: ``counts[row, columns[type]]``; a row is a gold example while a run
    counts, a bootstrap unit once the run is scored."""

    names: list[str]
    counts: np.ndarray
    columns: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.columns = {name: i for i, name in enumerate(self.names)}


class GoldArrays:
    """Gold NER entities as flat arrays: example ``i`` owns ``offsets[i]:offsets[i + 1]``.

    ``labels`` are indices into ``names``.
    """

    def __init__(
        self,
        names: tuple[str, ...],
        lengths: np.ndarray,
        starts: np.ndarray,
        ends: np.ndarray,
        labels: np.ndarray,
    ) -> None:
        self.names = names
        self.offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        self.starts, self.ends, self.labels = starts, ends, labels
        # The 32-bit packing of NerBatch needs small offsets (always so with a text).
        self.packable = not len(starts) or (
            int(starts.min()) >= 0 and int(ends.max()) <= FAST_OFFSET_LIMIT
        )

    @classmethod
    def from_examples(cls, examples: list[Example]) -> GoldArrays:
        """The arrays of validated examples (not packable if an offset is too large)."""
        payloads = [ex.payload for ex in examples]
        lengths = np.fromiter(map(len, payloads), dtype=np.int64, count=len(payloads))
        flat = [ent for payload in payloads for ent in payload]
        starts, ends, labels = zip(*flat, strict=True) if flat else ((), (), ())
        names = tuple(sorted(set(labels)))
        ids = {name: i for i, name in enumerate(names)}
        if flat and max(ends) > FAST_OFFSET_LIMIT:
            starts = ends = (FAST_OFFSET_LIMIT + 1,) * len(flat)
        return cls(
            names,
            lengths,
            np.array(starts, dtype=np.int64),
            np.array(ends, dtype=np.int64),
            np.fromiter(map(ids.__getitem__, labels), dtype=np.int64, count=len(flat)),
        )

    @staticmethod
    def vocab(name: str, names: list[str]) -> int:
        """Index of ``name`` in ``names``, appended if absent."""
        try:
            return names.index(name)
        except ValueError:
            names.append(name)
            return len(names) - 1
