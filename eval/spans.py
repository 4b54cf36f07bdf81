"""Span helpers shared by the scorers: tokenisation, token IoU, overlap edges, optimal matching."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence

import numpy as np

TOKEN_RE = re.compile(r"\w+|[^\w\s]")

Span = tuple[int, int]


def regex_tokens(text: str) -> list[Span]:
    """Character offsets of the tokens of ``text`` by the deterministic regex ``\\w+|[^\\w\\s]``."""
    return [m.span() for m in TOKEN_RE.finditer(text)]


def align_tokens(text: str, tokens: Sequence[str]) -> list[Span] | None:
    """Offsets of ``tokens`` found left to right in ``text``; None if they do not align."""
    offsets: list[Span] = []
    position = 0
    for token in tokens:
        start = text.find(token, position)
        if start < 0 or text[position:start].strip():
            return None
        position = start + len(token)
        offsets.append((start, position))
    return offsets


def overlaps(a: Span, b: Span) -> bool:
    """Whether two end-exclusive spans share a character (touching spans do not)."""
    return a[0] < b[1] and b[0] < a[1]


def overlapping(spans: Sequence[Span]) -> list[tuple[int, int]]:
    """Each span that overlaps a span kept before it, as ``(kept, span)`` index pairs.

    Spans are taken in (start, end) order; a span is kept unless it overlaps one kept before,
    and is then paired with the kept span reaching furthest. One sort and one pass, so a line
    of n spans all on the same characters costs O(n log n), not O(n²).
    """
    pairs = []
    reach = reach_index = -1
    for i in sorted(range(len(spans)), key=spans.__getitem__):
        start, end = spans[i]
        if start < reach:
            pairs.append((reach_index, i))
        else:  # disjoint from every kept span, and it ends after all of them
            reach, reach_index = end, i
    return pairs


def overlap_edges(gold: Sequence[tuple], pred: Sequence[tuple]) -> list[tuple[int, int]]:
    """All ``(gold_index, pred_index)`` pairs of overlapping spans; gold must not self-overlap."""
    if not gold or not pred:
        return []
    order = sorted(range(len(gold)), key=lambda i: gold[i][0])
    starts = [gold[i][0] for i in order]
    ends = [gold[i][1] for i in order]
    edges = []
    for p, span in enumerate(pred):
        start, end = span[0], span[1]
        k = bisect_right(ends, start)
        while k < len(order) and starts[k] < end:
            edges.append((order[k], p))
            k += 1
    return edges


class TokenGrid:
    """Maps character spans to token index ranges; without tokens every character is a token."""

    def __init__(self, tokens: Sequence[Span] | None) -> None:
        self.starts = [t[0] for t in tokens] if tokens is not None else None
        self.ends = [t[1] for t in tokens] if tokens is not None else None

    def token_range(self, span: Span) -> Span | None:
        """Half-open range of the tokens sharing a character with ``span`` (None if no token)."""
        if self.starts is None or self.ends is None:
            return span
        first = bisect_right(self.ends, span[0])
        last = bisect_left(self.starts, span[1])
        return (first, last) if first < last else None

    def iou(self, a: Span, b: Span) -> float:
        """Token intersection over union (by characters when a span covers no token)."""
        ra, rb = self.token_range(a), self.token_range(b)
        if ra is None or rb is None:
            ra, rb = a, b
        inter = min(ra[1], rb[1]) - max(ra[0], rb[0])
        if inter <= 0:
            return 0.0
        return inter / (max(ra[1], rb[1]) - min(ra[0], rb[0]))


def best_matching(
    edges: Sequence[tuple[int, int]], weights: Sequence[float]
) -> list[tuple[int, int, int]]:
    """One-to-one matching of maximum total weight: ``(gold, pred, edge_index)`` triples.

    When no node has two edges the edges are the matching; otherwise the Hungarian
    algorithm (``scipy.optimize.linear_sum_assignment``) solves it exactly; scipy.optimize
    (slow to import) is imported here, when a node has two edges, not with ``nkru.eval``.
    """
    if not edges:
        return []
    gold_degree = Counter(g for g, _ in edges)
    pred_degree = Counter(p for _, p in edges)
    if max(gold_degree.values()) == 1 and max(pred_degree.values()) == 1:
        return [(g, p, e) for e, (g, p) in enumerate(edges)]
    rows = {g: i for i, g in enumerate(gold_degree)}
    cols = {p: j for j, p in enumerate(pred_degree)}
    from scipy.optimize import linear_sum_assignment

    matrix = np.zeros((len(rows), len(cols)))
    index = np.full((len(rows), len(cols)), -1)
    for e, ((g, p), w) in enumerate(zip(edges, weights, strict=True)):
        matrix[rows[g], cols[p]] = w
        index[rows[g], cols[p]] = e
    row_ind, col_ind = linear_sum_assignment(matrix, maximize=True)
    chosen = [int(index[r, c]) for r, c in zip(row_ind, col_ind, strict=True) if index[r, c] >= 0]
    return [(edges[e][0], edges[e][1], e) for e in chosen]
