"""NER scoring with the SemEval-2013 Task 9.1 schemes (strict, exact, partial, type).

Each predicted and gold entity is in at most one pair. Within an example, a one-to-one
matching is chosen per scheme that first maximises the pairs that are fully right for the
scheme (COR), then the number of overlapping pairs (INC, or PAR in the partial scheme).
Unpaired gold entities are MIS, unpaired predictions SPU, so POS = COR+INC+PAR+MIS is the
number of gold entities and ACT = COR+INC+PAR+SPU the number of predictions. Per-type
figures apply the schemes to the gold and predicted entities of that type alone.

A :class:`Scheme` says what makes a pair fully right (its :data:`Criterion`: same bounds and
label, same bounds, same label) and whether a wrong pair earns half credit (PAR); the four
schemes share the matchings of the three criteria (:class:`Pairing`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from nkru.tasks import LabelMap

from .metrics import CountVector, prf, span_f1
from .spans import best_matching, overlap_edges
from .validate import EntityArrays, Example

Entity = tuple[int, int, str]
Criterion = Literal["strict", "bounds", "label"]
"""What makes a pair of overlapping entities fully right: bounds and label, bounds, label."""
CRITERIA: tuple[Criterion, ...] = ("strict", "bounds", "label")


@dataclass
class Pairing:
    """A criterion's one-to-one matchings summed over examples: pairs fully right, all pairs."""

    cor: int = 0
    paired: int = 0

    def add(self, cor: int, paired: int) -> None:
        self.cor += cor
        self.paired += paired


@dataclass(frozen=True)
class SchemeCounts:
    """SemEval-2013 counts of one scheme: POS = COR+INC+PAR+MIS, ACT = COR+INC+PAR+SPU."""

    cor: int
    inc: int
    par: int
    mis: int
    spu: int

    @property
    def pos(self) -> int:
        return self.cor + self.inc + self.par + self.mis

    @property
    def act(self) -> int:
        return self.cor + self.inc + self.par + self.spu

    def to_dict(self) -> dict[str, int]:
        return {
            "cor": self.cor,
            "inc": self.inc,
            "par": self.par,
            "mis": self.mis,
            "spu": self.spu,
            "pos": self.pos,
            "act": self.act,
        }

    def metrics(self) -> dict[str, Any]:
        """The counts with precision, recall and F1 (a PAR earns half a COR)."""
        return {**self.to_dict(), **prf(self.cor + 0.5 * self.par, self.pos, self.act)}


@dataclass(frozen=True)
class Scheme:
    """A SemEval-2013 scheme (the nervaluate strategy shape): the criterion of a fully right
    pair, and whether the other pairs count as PAR (half credit) or INC."""

    name: str
    criterion: Criterion
    partial: bool = False

    def counts(self, pairing: Pairing, pos: int, act: int) -> SchemeCounts:
        wrong = pairing.paired - pairing.cor
        return SchemeCounts(
            cor=pairing.cor,
            inc=0 if self.partial else wrong,
            par=wrong if self.partial else 0,
            mis=pos - pairing.paired,
            spu=act - pairing.paired,
        )


STRICT = Scheme("strict", "strict")
EXACT = Scheme("exact", "bounds")
PARTIAL = Scheme("partial", "bounds", partial=True)
TYPE = Scheme("type", "label")
SCHEME_LIST: tuple[Scheme, ...] = (STRICT, EXACT, PARTIAL, TYPE)
SCHEMES: tuple[str, ...] = tuple(s.name for s in SCHEME_LIST)


@dataclass
class Totals:
    """Counts of a set of entities: the pairing of each criterion, gold (POS) and predicted
    (ACT) entities. Per type, labels always agree, so ``strict`` pairs as ``bounds`` does."""

    pairings: dict[Criterion, Pairing] = field(
        default_factory=lambda: {c: Pairing() for c in CRITERIA}
    )
    pos: int = 0
    act: int = 0

    def scheme(self, scheme: Scheme) -> SchemeCounts:
        return scheme.counts(self.pairings[scheme.criterion], self.pos, self.act)


def _matched(edges: list[tuple[int, int]], full: list[bool]) -> tuple[int, int]:
    """``(COR, paired)`` of the lexicographically best one-to-one matching."""
    big = len(edges) + 1
    matching = best_matching(edges, [big if f else 1 for f in full])
    return sum(full[e] for _, _, e in matching), len(matching)


class NerScorer:
    """Accumulates SemEval-2013 counts over examples; headline strict micro F1."""

    width = 3

    def __init__(self, label_map: LabelMap | None = None) -> None:
        self.label_map = dict(label_map or {})
        self.totals = Totals()
        self.types: dict[str, Totals] = {}
        self.metrics = {"strict_micro_f1": self.headline}

    def _type(self, label: str) -> Totals:
        totals = self.types.get(label)
        if totals is None:
            totals = self.types[label] = Totals()
        return totals

    def add(self, gold: Example, pred: list[Entity] | None) -> list[tuple[int, CountVector]]:
        """Score one example; returns its strict ``(COR, POS, ACT)``."""
        g_ents: list[Entity] = gold.payload
        p_ents: list[Entity] = pred or []
        if self.label_map:
            g_ents, p_ents = self._mapped(g_ents), self._mapped(p_ents)
        for ent in g_ents:
            self._type(ent[2]).pos += 1
        for ent in p_ents:
            self._type(ent[2]).act += 1
        edges = overlap_edges(g_ents, p_ents)
        bounds = [g_ents[g][:2] == p_ents[p][:2] for g, p in edges]
        labels = [g_ents[g][2] == p_ents[p][2] for g, p in edges]
        full: dict[Criterion, list[bool]] = {
            "strict": [b and lab for b, lab in zip(bounds, labels, strict=True)],
            "bounds": bounds,
            "label": labels,
        }
        simple = len({g for g, _ in edges}) == len(edges) == len({p for _, p in edges})
        # Without an entity overlapping two others, the overlaps are the matching.
        matched = {
            criterion: (sum(right), len(edges)) if simple else _matched(edges, right)
            for criterion, right in full.items()
        }
        for criterion, (cor, paired) in matched.items():
            self.totals.pairings[criterion].add(cor, paired)
        if simple:
            for (g, _), same_bounds, same_label in zip(edges, bounds, labels, strict=True):
                if same_label:
                    totals = self.types[g_ents[g][2]].pairings
                    for criterion in CRITERIA:
                        totals[criterion].add(same_bounds if criterion != "label" else 1, 1)
        else:
            self._add_types_slow(g_ents, edges, bounds, labels)
        self.totals.pos += len(g_ents)
        self.totals.act += len(p_ents)
        return [(0, (matched["strict"][0], len(g_ents), len(p_ents)))]

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
            totals = self.types[label].pairings
            exact = _matched(sub_edges, [bounds[e] for e in chosen])
            totals["strict"].add(*exact)
            totals["bounds"].add(*exact)
            paired = _matched(sub_edges, [True] * len(chosen))[1]
            totals["label"].add(paired, paired)

    def headline(self, totals: np.ndarray) -> np.ndarray:
        """Strict micro F1 from ``(COR, POS, ACT)`` columns; NaN in a resample without any
        entity when the scored data has gold entities (``metrics.measured_f1``)."""
        return span_f1(totals, self.totals.pos > 0)

    def results(self) -> dict[str, Any]:
        """Raw counts and micro, macro and per-type precision/recall/F1 for every scheme."""
        counts = {s.name: self.totals.scheme(s) for s in SCHEME_LIST}
        per_type = {
            label: {s.name: self.types[label].scheme(s).metrics() for s in SCHEME_LIST}
            for label in sorted(self.types)
        }
        macro = {
            s: {
                m: float(np.mean([per_type[lab][s][m] for lab in per_type])) if per_type else 0.0
                for m in ("precision", "recall", "f1")
            }
            for s in SCHEMES
        }
        return {
            "counts": {name: c.to_dict() for name, c in counts.items()},
            "micro": {name: c.metrics() for name, c in counts.items()},
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
        arrays: EntityArrays,
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
        checks: tuple[tuple[Criterion, Any], ...] = (
            ("strict", strict),
            ("bounds", bounds),
            ("label", same),
        )
        for criterion, right in checks:
            totals.pairings[criterion].add(int(right.sum()), paired)
        totals.pos += int(g_ok.sum())
        totals.act += int(p_ok.sum())
        width = len(self.names)
        pos = np.bincount(g_lab[g_ok], minlength=width)
        act = np.bincount(p_lab[p_ok], minlength=width)
        typed = g_lab[e_g][same]
        ecor = np.bincount(typed[bounds[same]], minlength=width)
        epaired = np.bincount(typed, minlength=width)
        for label in np.flatnonzero(pos + act).tolist():
            typed_totals = self.scorer._type(self.names[label])
            cor, paired_of_type = int(ecor[label]), int(epaired[label])
            typed_totals.pairings["strict"].add(cor, paired_of_type)
            typed_totals.pairings["bounds"].add(cor, paired_of_type)
            typed_totals.pairings["label"].add(paired_of_type, paired_of_type)
            typed_totals.pos += int(pos[label])
            typed_totals.act += int(act[label])
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
