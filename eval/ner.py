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

Every count is taken once, in numpy over a batch of examples (:meth:`NerScorer.count`): the
overlapping pairs are found by binary search on sorted keys; where no entity overlaps two
others they are the matching of every criterion, elsewhere (rare) the matching is chosen by
:func:`.spans.best_matching`, and the counts are sums over the chosen pairs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from nkru.tasks import LabelMap

from .metrics import CountVector, prf, span_f1
from .spans import best_matching
from .validate import EntityArrays, Example, ints

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


@dataclass(frozen=True)
class Side:
    """One side's entities of a batch of examples, flat: each one's row (its example in the
    batch), start, end and type id (an index into :attr:`NerScorer.names`, -1 for a label the
    label map drops)."""

    row: np.ndarray
    start: np.ndarray
    end: np.ndarray
    type: np.ndarray

    def kept(self) -> Side:
        """Without the entities the label map drops."""
        if not (self.type < 0).any():
            return self
        keep = self.type >= 0
        return Side(self.row[keep], self.start[keep], self.end[keep], self.type[keep])


def _small(*offsets: np.ndarray) -> list[np.ndarray]:
    """The offsets, or their ranks if one needs more than 32 bits: the sort keys pack a row
    and an offset in 64 bits, and the counts depend only on the offsets' order."""
    flat = np.concatenate(offsets)
    if flat.dtype != object and (not len(flat) or int(flat.max()) < 2**32):
        return list(offsets)
    ranks = np.unique(flat, return_inverse=True)[1].reshape(-1).astype(np.int64)
    return np.split(ranks, np.cumsum([len(o) for o in offsets])[:-1])


def _overlaps(
    g_start: np.ndarray, g_end: np.ndarray, p_start: np.ndarray, p_end: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every overlapping ``(gold, prediction)`` pair, as two index arrays in prediction order,
    of sides sorted by their packed ``row << 32 | offset`` keys (no entity overlaps another of
    its side, so the ends are sorted too)."""
    first = np.searchsorted(g_end, p_start, side="right")
    degree = np.searchsorted(g_start, p_end, side="left") - first
    e_p = np.repeat(np.arange(len(degree)), degree)
    e_g = first[e_p] + np.arange(len(e_p)) - np.repeat(np.cumsum(degree) - degree, degree)
    return e_g, e_p


@dataclass(frozen=True)
class _Pairs:
    """The overlapping pairs of a batch: gold and prediction indices, their row, and the rows
    where an entity overlaps two others (where a matching must be chosen)."""

    gold: np.ndarray
    pred: np.ndarray
    row: np.ndarray
    tangled: list[int]

    def matching(self, full: np.ndarray, scope: np.ndarray) -> np.ndarray:
        """Which pairs of ``scope`` a one-to-one matching of them keeps that maximises the
        pairs fully right (``full``), then all pairs: every one in a row without tangles."""
        chosen = scope.copy()
        for row in self.tangled:
            a, b = np.searchsorted(self.row, [row, row + 1])
            local = a + np.flatnonzero(scope[a:b])
            chosen[a:b] = False
            edges = list(zip(self.gold[local].tolist(), self.pred[local].tolist(), strict=True))
            big = len(edges) + 1
            weights = [big if right else 1 for right in full[local].tolist()]
            chosen[local[[e for _, _, e in best_matching(edges, weights)]]] = True
        return chosen


def _sorted(side: Side, start: np.ndarray, end: np.ndarray) -> Side:
    """A side with the offsets ``start`` and ``end``, sorted by example and start."""
    order = np.argsort((side.row << 32) | start)
    return Side(side.row[order], start[order], end[order], side.type[order])


def _paired(gold: Side, pred: Side) -> tuple[Side, Side, _Pairs]:
    """Both sides without dropped entities, sorted by example and start, and their
    overlapping pairs."""
    gold, pred = gold.kept(), pred.kept()
    g_start, g_end, p_start, p_end = _small(gold.start, gold.end, pred.start, pred.end)
    g, p = _sorted(gold, g_start, g_end), _sorted(pred, p_start, p_end)
    g_key, p_key = g.row << 32, p.row << 32
    e_g, e_p = _overlaps(g_key | g.start, g_key | g.end, p_key | p.start, p_key | p.end)
    g_degree = np.bincount(e_g, minlength=len(g.row))
    p_degree = np.bincount(e_p, minlength=len(p.row))
    tangled = np.unique(np.concatenate([g.row[g_degree > 1], p.row[p_degree > 1]]))
    return g, p, _Pairs(e_g, e_p, p.row[e_p], tangled.tolist())


class NerScorer:
    """Accumulates SemEval-2013 counts over examples; headline strict micro F1.

    Every count is taken by :meth:`count`, vectorised over a batch of examples; :meth:`add`
    scores one example as a batch of one, :class:`NerBatch` queues many.
    """

    width = 3

    def __init__(self, label_map: LabelMap | None = None) -> None:
        self.label_map = dict(label_map or {})
        self.totals = Totals()
        self.types: dict[str, Totals] = {}
        self.metrics = {"strict_micro_f1": self.headline}
        self.names: list[str] = []  # entity types (after the label map) by type id
        self._ids: dict[str, int] = {}  # type id of each label seen (-1: dropped)

    def type_ids(self, labels: Iterable[str]) -> np.ndarray:
        """The type id of each label, after the label map (-1 where it drops the label)."""
        ids = []
        for label in labels:
            found = self._ids.get(label)
            if found is None:
                mapped = self.label_map.get(label, label)
                if mapped is None:
                    found = -1
                elif mapped in self.names:
                    found = self.names.index(mapped)
                else:
                    found = len(self.names)
                    self.names.append(mapped)
                self._ids[label] = found
            ids.append(found)
        return np.array(ids, dtype=np.int64)

    def add(self, gold: Example, pred: list[Entity] | None) -> list[tuple[int, CountVector]]:
        """Score one example; returns its strict ``(COR, POS, ACT)``."""
        sides: list[Side] = []
        for ents in (gold.payload, pred or []):
            starts, ends, labels = zip(*ents, strict=True) if ents else ((), (), ())
            rows = np.zeros(len(ents), dtype=np.int64)
            sides.append(Side(rows, ints(starts), ints(ends), self.type_ids(labels)))
        vectors, _ = self.count(1, sides[0], sides[1])
        return [(0, tuple(vectors[0].tolist()))]

    def count(
        self, rows: int, gold: Side, pred: Side, per_type: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Add the counts of a batch of ``rows`` examples; returns each example's strict
        ``(COR, POS, ACT)`` and, with ``per_type``, the same per type id (rows × types × 3).

        The strict matches are the identical entities (no two entities of a side overlap).
        """
        g, p, pairs = _paired(gold, pred)
        e_g, e_p = pairs.gold, pairs.pred
        bounds = (g.start[e_g] == p.start[e_p]) & (g.end[e_g] == p.end[e_p])
        types = g.type[e_g]
        same = types == p.type[e_p]
        width = len(self.names)
        right: dict[Criterion, np.ndarray] = {}
        by_type: dict[Criterion, tuple[np.ndarray, np.ndarray]] = {}
        for criterion, full in zip(CRITERIA, (bounds & same, bounds, same), strict=True):
            chosen = pairs.matching(full, np.ones(len(e_g), dtype=bool))
            right[criterion] = chosen & full
            self.totals.pairings[criterion].add(int(right[criterion].sum()), int(chosen.sum()))
            # Per type: the pairs of one type matched alone (a pair of two types is in none).
            chosen = pairs.matching(full, same)
            by_type[criterion] = (
                np.bincount(types[chosen & full], minlength=width),
                np.bincount(types[chosen], minlength=width),
            )
        pos, act = np.bincount(g.type, minlength=width), np.bincount(p.type, minlength=width)
        self.totals.pos += len(g.row)
        self.totals.act += len(p.row)
        for type_id in np.flatnonzero(pos + act).tolist():
            name = self.names[type_id]
            totals = self.types.setdefault(name, Totals())
            for criterion, (cor, paired) in by_type.items():
                totals.pairings[criterion].add(int(cor[type_id]), int(paired[type_id]))
            totals.pos += int(pos[type_id])
            totals.act += int(act[type_id])
        hits = right["strict"]
        hit_rows = g.row[e_g[hits]]
        vectors = np.stack(
            [np.bincount(r, minlength=rows) for r in (hit_rows, g.row, p.row)], axis=1
        )
        if not per_type:
            return vectors, None
        size = rows * width * 3
        cells = sum(
            np.bincount((r * width + t) * 3 + column, minlength=size)
            for column, (r, t) in enumerate(
                ((hit_rows, types[hits]), (g.row, g.type), (p.row, p.type))
            )
        )
        return vectors, np.reshape(cells, (rows, width, 3))

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
    """Examples queued for :meth:`NerScorer.count` and counted a chunk at a time, so memory
    stays bounded by the chunk and the gold data: each one's gold position (a row of the gold
    ``arrays``) and predicted entities, label ids of ``pred_names``. An example's strict
    ``(COR, POS, ACT)`` goes to ``out[position]``, per type to ``types.counts[position]``."""

    def __init__(
        self,
        scorer: NerScorer,
        arrays: EntityArrays,
        pred_names: tuple[str, ...],
        out: np.ndarray,
        types: TypeCounts | None = None,
        chunk: int = 8192,
    ) -> None:
        self.scorer, self.gold, self.out, self.types, self.chunk = scorer, arrays, out, types, chunk
        self.gold_types = scorer.type_ids(arrays.names)
        self.pred_types = scorer.type_ids(pred_names)
        self.pred_ids = {name: i for i, name in enumerate(pred_names)}
        self.parts: list[tuple[np.ndarray, ...]] = []
        self.queued = 0

    def add(
        self,
        positions: np.ndarray,
        lengths: np.ndarray,
        starts: np.ndarray,
        ends: np.ndarray,
        label_ids: np.ndarray,
    ) -> None:
        """Queue examples: gold positions, predicted entity counts, then the entities, flat."""
        self.parts.append((positions, lengths, starts, ends, label_ids))
        self.queued += len(positions)
        if self.queued >= self.chunk:
            self.flush()

    def add_payload(self, position: int, payload: list[Entity] | None) -> None:
        """Queue one example's validated prediction (None: no entity)."""
        ents = payload or []
        self.add(
            np.array([position], dtype=np.int64),
            np.array([len(ents)], dtype=np.int64),
            ints([e[0] for e in ents]),
            ints([e[1] for e in ents]),
            np.array([self.pred_ids[e[2]] for e in ents], dtype=np.int64),
        )

    def flush(self) -> None:
        """Count the queued examples."""
        if not self.queued:
            return
        q, lengths, starts, ends, labels = map(np.concatenate, zip(*self.parts, strict=True))
        self.parts, self.queued = [], 0
        rows, g = len(q), self.gold
        first, count = g.offsets[q], g.offsets[q + 1] - g.offsets[q]
        at = np.repeat(first - (np.cumsum(count) - count), count) + np.arange(count.sum())
        record = np.arange(rows, dtype=np.int64)
        gold = Side(
            np.repeat(record, count), g.starts[at], g.ends[at], self.gold_types[g.labels[at]]
        )
        pred = Side(np.repeat(record, lengths), starts, ends, self.pred_types[labels])
        vectors, cells = self.scorer.count(rows, gold, pred, self.types is not None)
        self.out[q] = vectors
        if self.types is not None and cells is not None:
            columns = np.array([self.types.columns[name] for name in self.scorer.names])
            self.types.counts[np.ix_(q, columns)] = cells


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
