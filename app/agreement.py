"""Inter-annotator agreement between annotations of the same document (``nkru agreement``).

Span and pair agreement reuse the benchmark's scorers (annotation A as gold, B as prediction;
F1 is symmetric), so agreement and system scores are comparable. Kappas are Cohen's kappa over
matched items: entities matched on exact offsets (type kappa), claims one-to-one by token
IoU >= 0.5 (certainty and topic kappa), source-claim pairs with both spans matched (stance kappa).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sklearn.metrics import cohen_kappa_score

from nkru.corpus import Document, get_document
from nkru.paths import project_root
from nkru.records import Annotation
from nkru.schema import SCHEMA_VERSION
from nkru.segment import content_sentences, tokens
from nkru.tasks import TASKS, document_rows

from ..annotation.history import pair_order
from ..annotation.independence import pair_independence
from ..eval.api import Options, score
from ..eval.attribution import pair_matching
from ..eval.claims import IOU_THRESHOLD
from ..eval.gold import gold_from_rows
from ..eval.spans import TokenGrid, best_matching, overlap_edges

SPAN_TASKS: tuple[str, ...] = ("ner", "claims", "attribution")
AGREEMENT_FORMAT = "1.0"
"""Version of ``agreement.json``'s format (the label scheme's version is beside it)."""


def kappa(first: list[str], second: list[str]) -> float | None:
    """Cohen's kappa of two label sequences; None when undefined (no items, one label only)."""
    if not first or len(set(first) | set(second)) < 2:
        return None
    value = float(cohen_kappa_score(first, second))
    return None if math.isnan(value) else value


def _records(doc: Document, annotation: Annotation) -> dict[str, list[dict[str, Any]]]:
    spans = [TASKS[name] for name in SPAN_TASKS]
    rows = document_rows(doc, annotation, content_sentences(doc), spans)
    return {task: gold_from_rows(task, rows[task]) for task in SPAN_TASKS}


def _claim_matches(doc: Document, first: Annotation, second: Annotation) -> list[tuple[int, int]]:
    grid = TokenGrid(tokens(doc))
    gold = [(c.start, c.end) for c in first.claims]
    pred = [(c.start, c.end) for c in second.claims]
    edges, weights = [], []
    for g, p in overlap_edges(gold, pred):
        iou = grid.iou(gold[g], pred[p])
        if iou >= IOU_THRESHOLD:
            edges.append((g, p))
            weights.append(iou)
    return [(g, p) for g, p, _ in best_matching(edges, weights)]


def _pairs(annotation: Annotation) -> list[tuple[int, int, int, int, str]]:
    sources = {s.id: s for s in annotation.sources}
    claims = {c.id: c for c in annotation.claims}
    return [
        (
            sources[s.source_id].start,
            sources[s.source_id].end,
            claims[s.claim_id].start,
            claims[s.claim_id].end,
            s.label,
        )
        for s in annotation.stances
    ]


def _entity_disagreements(first: Annotation, second: Annotation) -> dict[str, Any]:
    a = {(e.start, e.end): e for e in first.entities}
    b = {(e.start, e.end): e for e in second.entities}
    type_confusions = Counter(
        f"{a[k].label} vs {b[k].label}" for k in a.keys() & b.keys() if a[k].label != b[k].label
    )
    spans_a, spans_b = sorted(a), sorted(b)
    edges = overlap_edges(spans_a, spans_b)
    touched_a = {g for g, _ in edges}
    touched_b = {p for _, p in edges}
    only_a = [a[k] for i, k in enumerate(spans_a) if i not in touched_a]
    only_b = [b[k] for i, k in enumerate(spans_b) if i not in touched_b]
    return {
        "type_confusions": dict(type_confusions.most_common()),
        "boundary_mismatches": sum(1 for g, p in edges if spans_a[g] != spans_b[p]),
        "only_first": dict(Counter(e.label for e in only_a)),
        "only_second": dict(Counter(e.label for e in only_b)),
        "examples_only_first": [f"{e.label} {e.text!r}" for e in only_a][:15],
        "examples_only_second": [f"{e.label} {e.text!r}" for e in only_b][:15],
    }


def pair_agreement(
    doc: Document, first: Annotation, second: Annotation, seed: int = 0, resamples: int = 1000
) -> dict[str, Any]:
    """Every agreement figure between two annotations of ``doc``."""
    records = (_records(doc, first), _records(doc, second))
    scores = {
        task: score(
            task, records[0][task], records[1][task], Options(bootstrap=resamples, seed=seed)
        ).to_dict()
        for task in SPAN_TASKS
    }
    exact = [
        (a.label, b.label)
        for a in first.entities
        for b in second.entities
        if (a.start, a.end) == (b.start, b.end)
    ]
    matched_claims = _claim_matches(doc, first, second)
    grid = TokenGrid(tokens(doc))
    pairs = (_pairs(first), _pairs(second))
    matched_pairs = pair_matching(grid, pairs[0], pairs[1], labelled=False)

    def labels(attr: str) -> tuple[list[str], list[str]]:
        return (
            [str(getattr(first.claims[g], attr)) for g, _ in matched_claims],
            [str(getattr(second.claims[p], attr)) for _, p in matched_claims],
        )

    stance = (
        [pairs[0][g][4] for g, _, _ in matched_pairs],
        [pairs[1][p][4] for _, p, _ in matched_pairs],
    )
    ner = scores["ner"]
    return {
        "document_id": doc.id,
        "annotators": [first.annotator, second.annotator],
        "counts": {
            who.annotator: {
                "entities": len(who.entities),
                "claims": len(who.claims),
                "sources": len(who.sources),
                "stances": len(who.stances),
            }
            for who in (first, second)
        },
        "entities": {
            "strict_f1": ner["headline"]["value"],
            "strict_f1_ci": [ner["headline"]["ci_low"], ner["headline"]["ci_high"]],
            "schemes": {name: figures["f1"] for name, figures in ner["micro"].items()},
            "per_type_strict_f1": {
                label: figures["strict"]["f1"] for label, figures in ner["per_type"].items()
            },
            "type_kappa": kappa(*map(list, zip(*exact, strict=True))) if exact else None,
            "exact_span_matches": len(exact),
            "disagreements": _entity_disagreements(first, second),
        },
        "claims": {
            "overlap_span_f1": scores["claims"]["headline"]["value"],
            "strict_span_f1": scores["claims"]["micro"]["strict_span"]["f1"],
            "sentence_detection_f1": scores["claims"]["micro"]["sentence_detection"]["f1"],
            "matched": len(matched_claims),
            "certainty_kappa": kappa(*labels("certainty")),
            "certainty_agreement": _observed(*labels("certainty")),
            "topic_kappa": kappa(*labels("topic")),
            "topic_agreement": _observed(*labels("topic")),
            "certainty_confusions": _confusions(*labels("certainty")),
            "topic_confusions": _confusions(*labels("topic")),
            "only_first": len(first.claims) - len(matched_claims),
            "only_second": len(second.claims) - len(matched_claims),
        },
        "attribution": {
            "overlap_pair_f1": scores["attribution"]["headline"]["value"],
            "matched_pairs": len(matched_pairs),
            "stance_kappa": kappa(*stance),
            "stance_agreement": _observed(*stance),
            "stance_confusions": _confusions(*stance),
            "only_first": len(pairs[0]) - len(matched_pairs),
            "only_second": len(pairs[1]) - len(matched_pairs),
        },
    }


def _confusions(first: list[str], second: list[str]) -> dict[str, int]:
    pairs = Counter(f"{a} vs {b}" for a, b in zip(first, second, strict=True) if a != b)
    return dict(pairs.most_common())


def _observed(first: list[str], second: list[str]) -> float | None:
    if not first:
        return None
    return sum(a == b for a, b in zip(first, second, strict=True)) / len(first)


def document_agreement(
    doc: Document, annotations: list[Annotation], seed: int = 0, resamples: int = 1000
) -> list[dict[str, Any]]:
    """Agreement for every pair of annotations of one document; the pre-adjudication pairs
    (neither annotation is the ground truth) come first."""
    pairs = sorted(
        itertools.combinations(annotations, 2),
        key=lambda p: (p[0].ground_truth or p[1].ground_truth, p[0].annotator, p[1].annotator),
    )
    out = []
    for first, second in pairs:
        result = pair_agreement(doc, first, second, seed, resamples)
        result["adjudicated"] = first.ground_truth or second.ground_truth
        out.append(result)
    return out


def compute_agreement(
    by_document: Mapping[str, list[Annotation]],
    seed: int = 0,
    resamples: int = 1000,
    worksheets: Path | None = None,
) -> list[dict[str, Any]]:
    """Every pair of every document with two or more annotations (what ``nkru agreement``
    reports); each pre-adjudication pair gets the independence check of its worksheets
    ``<doc>.<annotator>.yaml`` in ``worksheets`` (default annotation/worksheets) and the order
    in which the repository history received them."""
    root = project_root()
    folder = worksheets or root / "annotation" / "worksheets"
    results = []
    for doc_id, anns in sorted(by_document.items()):
        if len(anns) < 2:
            continue
        for result in document_agreement(get_document(doc_id), anns, seed, resamples):
            if not result["adjudicated"]:
                first, second = result["annotators"]
                result["independence"] = pair_independence(
                    folder, doc_id, first, second, shown=root
                )
                result["history"] = pair_order(folder, doc_id, first, second, shown=root)
            results.append(result)
    return results


def agreement_report(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON report: every pair of every document with two or more annotations."""
    return {"format_version": AGREEMENT_FORMAT, "scheme_version": SCHEMA_VERSION, "pairs": results}


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _listing(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} ({v})" for k, v in counts.items()) or "none"


def _share(count: int, total: int, share: float | None) -> str:
    return f"{count} of {total} ({_fmt(share)})"


def _history_lines(order: dict[str, Any]) -> list[str]:
    """When the repository history received each worksheet of a pre-adjudication pair."""
    arrivals = "; ".join(
        f"`{w['worksheet']}` {w['commit']} ({w['date']})"
        if "commit" in w
        else f"`{w['worksheet']}`"
        for w in order["worksheets"]
    )
    verdict = (
        f"{order['first']}'s worksheet was committed first"
        if order["checked"]
        else f"The order cannot be checked: {order['reason']}"
    )
    return [
        f"Order in the repository history (first commit of each worksheet): {arrivals}. {verdict}.",
        "",
    ]


def _independence_lines(check: dict[str, Any], first: str, second: str) -> list[str]:
    """The independence check of a pre-adjudication pair (see nkru.annotation.independence)."""
    if not check["checked"]:
        return [f"Independence check (worksheets): not computed: {check['reason']}.", ""]
    largest = max(check["items"])
    shared = ", ".join(f"`{c}`" for c in check["shared_comment_examples"])
    return [
        "Independence check (computed from the worksheets "
        + " and ".join(f"`{w}`" for w in check["worksheets"])
        + "): two independent files may list the same items in document order, but rarely "
        "share comments or group items under the same comments.",
        "",
        "| check | value |",
        "|---|---|",
        f"| comment lines ({first} / {second}) | {check['comment_lines'][0]} / "
        f"{check['comment_lines'][1]} |",
        f"| comment lines shared verbatim (whitespace normalised) "
        f"| {check['shared_comment_lines']} |",
        f"| items in the same order | "
        f"{_share(check['items_in_same_order'], largest, check['items_in_same_order_share'])} |",
        "| items in the same order under the same grouping comment | "
        + _share(
            check["items_in_same_order_and_group"],
            largest,
            check["items_in_same_order_and_group_share"],
        )
        + " |",
        f"| byte-identical apart from the annotator name "
        f"| {'yes' if check['identical_apart_from_annotator'] else 'no'} |",
        "",
        *([f"Shared comments (first 10): {shared}", ""] if shared else []),
    ]


def render_markdown(report: dict[str, Any], notes: str = "") -> str:
    """``annotation/agreement.md``: every figure comes from the JSON report; ``notes`` (the
    project's written interpretation) is appended verbatim."""
    lines = [
        "# Inter-annotator agreement",
        "",
        "Generated by `nkru agreement` from `annotation/exports/`; do not edit by hand.",
        "Span and pair F1 use the benchmark's own scorers (first annotator as gold); kappas are",
        "Cohen's kappa over matched items (n/a when fewer than two labels occur). Pairs marked",
        "*pre-adjudication* compare the independent annotations; the others compare an annotator",
        "with the adjudicated ground truth.",
        "",
    ]
    for pair in report["pairs"]:
        first, second = pair["annotators"]
        ent, cl, at = pair["entities"], pair["claims"], pair["attribution"]
        stage = "after adjudication" if pair["adjudicated"] else "pre-adjudication"
        lines += [
            f"## Document {pair['document_id']}: {first} vs {second} ({stage})",
            "",
            "| annotator | entities | claims | sources | stances |",
            "|---|---|---|---|---|",
            *(
                f"| {who} | {c['entities']} | {c['claims']} | {c['sources']} | {c['stances']} |"
                for who, c in pair["counts"].items()
            ),
            "",
            "| measure | value |",
            "|---|---|",
            f"| entity span F1, strict | {_fmt(ent['strict_f1'])} "
            f"(95% CI {_fmt(ent['strict_f1_ci'][0])}–{_fmt(ent['strict_f1_ci'][1])}) |",
            *(
                f"| entity span F1, {name} | {_fmt(v)} |"
                for name, v in ent["schemes"].items()
                if name != "strict"
            ),
            f"| entity type kappa ({ent['exact_span_matches']} exact-span matches) "
            f"| {_fmt(ent['type_kappa'])} |",
            f"| claim span F1, overlap (token IoU ≥ 0.5) | {_fmt(cl['overlap_span_f1'])} |",
            f"| claim span F1, strict | {_fmt(cl['strict_span_f1'])} |",
            f"| claim sentence detection F1 | {_fmt(cl['sentence_detection_f1'])} |",
            f"| certainty kappa ({cl['matched']} matched claims) | {_fmt(cl['certainty_kappa'])} "
            f"(raw agreement {_fmt(cl['certainty_agreement'])}) |",
            f"| topic kappa | {_fmt(cl['topic_kappa'])} "
            f"(raw agreement {_fmt(cl['topic_agreement'])}) |",
            f"| source–claim pair F1, overlap | {_fmt(at['overlap_pair_f1'])} |",
            f"| stance kappa ({at['matched_pairs']} matched pairs) | {_fmt(at['stance_kappa'])} "
            f"(raw agreement {_fmt(at['stance_agreement'])}) |",
            "",
            "Per-type strict entity F1: "
            + ", ".join(f"{k} {_fmt(v)}" for k, v in ent["per_type_strict_f1"].items()),
            "",
            "Where they disagree (computed):",
            "",
            f"- entities only {first} marked: {_listing(ent['disagreements']['only_first'])}",
            f"- entities only {second} marked: {_listing(ent['disagreements']['only_second'])}",
            f"- same span, different type: {_listing(ent['disagreements']['type_confusions'])}",
            f"- overlapping spans with different boundaries: "
            f"{ent['disagreements']['boundary_mismatches']}",
            f"- claims without a match: {cl['only_first']} only in {first}, "
            f"{cl['only_second']} only in {second}",
            f"- certainty confusions: {_listing(cl['certainty_confusions'])}; "
            f"topic confusions: {_listing(cl['topic_confusions'])}",
            f"- source–claim pairs without a match: {at['only_first']} only in {first}, "
            f"{at['only_second']} only in {second}; stance confusions: "
            f"{_listing(at['stance_confusions'])}",
            "",
        ]
        examples = [
            *(f"`{x}` only in {first}" for x in ent["disagreements"]["examples_only_first"]),
            *(f"`{x}` only in {second}" for x in ent["disagreements"]["examples_only_second"]),
        ]
        if examples:
            lines += ["Entity examples (first 15 each):", "", *(f"- {x}" for x in examples), ""]
        if "independence" in pair:
            lines += _independence_lines(pair["independence"], first, second)
        if "history" in pair:
            lines += _history_lines(pair["history"])
    if notes:
        lines += [notes.strip(), ""]
    return "\n".join(lines)
