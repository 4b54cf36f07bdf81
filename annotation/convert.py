"""Label Studio JSON export tasks <-> :class:`nkru.records.Annotation` records.

A task (one document) carries every annotation made on it; each becomes one ``Annotation`` with
its annotator (``completed_by``) and its ``ground_truth`` flag. Region ids are the record ids, so
they are stable across round trips. Layout of the result items (control names from
:mod:`nkru.annotation.labeling_config`):

- entity     ``entities`` labels item; for DATE/QUANTITY/MONEY a ``value`` textarea item with the
             same id and offsets, ``value.text = [normalised value]``
- claim      ``claims`` labels item (CLAIM) + ``certainty`` and ``topic`` choices items (same id)
- source     ``claims`` labels item (SOURCE)
- stance     relation item ``{"from_id": source, "to_id": claim, "labels": [stance]}``
- boilerplate ``boilerplate`` labels item; its reason is the region's meta text (Label Studio's
             own per-region note, editable with alt+m)

Annotators are Label Studio users; ``completed_by`` is written as ``{"email": ...}`` (import
resolves it to a member of the organisation). An annotator name ``alice`` is the user
``alice@nkru.invalid``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from nkru import schema
from nkru.errors import NkruError
from nkru.records import Annotation, Claim, Source, Span, Stance

from . import labeling_config as lc
from . import results

ANNOTATOR_DOMAIN = "nkru.invalid"
ANNOTATOR_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_ITEM_ORDER = {
    lc.ENTITIES: 0,
    lc.CLAIMS: 0,
    lc.BOILERPLATE_CONTROL: 0,
    lc.CERTAINTY: 1,
    lc.TOPIC: 2,
    lc.VALUE: 3,
}

# Fields of Label Studio's JSON export kept in committed files. Everything else is either
# server-local (ids, timestamps, counters, project/task numbers) or recomputed on import.
TASK_KEYS: tuple[str, ...] = ("data", "annotations", "meta")
ANNOTATION_KEYS: tuple[str, ...] = (
    "completed_by",
    "ground_truth",
    "was_cancelled",
    "lead_time",
    "result",
)
COMPLETED_BY_KEYS: tuple[str, ...] = ("email", "first_name", "last_name")


class ConvertError(NkruError, ValueError):
    """A task or annotation that cannot be represented as records."""


# --------------------------------------------------------------------------- annotators


def annotator_email(annotator: str) -> str:
    if "@" in annotator:
        return annotator
    if not ANNOTATOR_RE.match(annotator):
        raise ConvertError(
            f"annotator name {annotator!r} must be lower-case letters, digits, '.', '_' or '-'"
        )
    return f"{annotator}@{ANNOTATOR_DOMAIN}"


def annotator_name(completed_by: Any) -> str:
    """The annotator name of an export's ``completed_by`` (expanded dict, email dict or id)."""
    if isinstance(completed_by, Mapping):
        email = completed_by.get("email")
        if not email:
            raise ConvertError(f"completed_by {completed_by!r} has no email")
        local, _, domain = str(email).partition("@")
        return local if domain == ANNOTATOR_DOMAIN else str(email)
    if isinstance(completed_by, int):
        return f"user-{completed_by}"
    if completed_by is None:
        raise ConvertError("annotation without completed_by: its annotator is unknown")
    raise ConvertError(f"unexpected completed_by {completed_by!r}")


# --------------------------------------------------------------------------- records -> LS


def to_results(annotation: Annotation) -> list[dict[str, Any]]:
    """Label Studio result items for one annotation, in deterministic order."""
    items: list[dict[str, Any]] = []
    for e in annotation.entities:
        items.append(results.region(e.id, lc.ENTITIES, e.start, e.end, e.text, e.label))
        if e.value is not None:
            value = {"text": [e.value]}
            items.append(results.attribute(e.id, lc.VALUE, "textarea", e.start, e.end, value))
    for c in annotation.claims:
        items.append(results.region(c.id, lc.CLAIMS, c.start, c.end, c.text, schema.CLAIM))
        for control, choice in ((lc.CERTAINTY, c.certainty), (lc.TOPIC, c.topic)):
            if choice is not None:
                chosen = {"text": c.text, "choices": [choice]}
                items.append(results.attribute(c.id, control, "choices", c.start, c.end, chosen))
    for s in annotation.sources:
        items.append(results.region(s.id, lc.CLAIMS, s.start, s.end, s.text, schema.SOURCE))
    for b in annotation.boilerplate:
        control, label = lc.BOILERPLATE_CONTROL, schema.BOILERPLATE
        items.append(results.region(b.id, control, b.start, b.end, b.text, label, note=b.value))
    for st in annotation.stances:
        items.append(results.relation(st.source_id, st.claim_id, st.label))
    return sort_results(items)


def result_sort_key(item: Mapping[str, Any]) -> tuple:
    """Regions in document order (span item, then its choices and value), relations last."""
    if item.get("type") == "relation":
        return (
            1,
            0,
            0,
            str(item.get("from_id")),
            str(item.get("to_id")),
            json.dumps(item.get("labels"), sort_keys=True),
            0,
        )
    value = item.get("value") or {}
    start, end = value.get("start"), value.get("end")
    return (
        0,
        start if isinstance(start, int) else -1,
        end if isinstance(end, int) else -1,
        str(item.get("id")),
        str(item.get("from_name")),
        "",
        _ITEM_ORDER.get(str(item.get("from_name")), 9),
    )


def sort_results(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [dict(i) for i in sorted(items, key=result_sort_key)]


def to_ls_annotation(annotation: Annotation) -> dict[str, Any]:
    """One annotation in Label Studio's import/export format (ground_truth always explicit)."""
    return {
        "completed_by": {"email": annotator_email(annotation.annotator)},
        "ground_truth": bool(annotation.ground_truth),
        "was_cancelled": False,
        "lead_time": None,
        "result": to_results(annotation),
    }


# --------------------------------------------------------------------------- LS -> records


def _single(values: Any, what: str, region_id: str) -> str:
    if not isinstance(values, list) or len(values) != 1 or not isinstance(values[0], str):
        raise ConvertError(f"region {region_id}: expected exactly one {what}, got {values!r}")
    return values[0]


def from_results(
    results: Iterable[Mapping[str, Any]],
    document_id: str,
    annotator: str,
    ground_truth: bool = False,
) -> Annotation:
    """Records for one annotation's result items (strict: unknown shapes raise ConvertError)."""
    spans: dict[str, tuple[str, str, int, int, str, Mapping[str, Any]]] = {}
    attrs: dict[str, dict[str, str]] = {}
    stances: list[Stance] = []
    for item in results:
        kind = item.get("type")
        if kind == "relation":
            label = _single(item.get("labels"), "stance label", f"{item.get('from_id')}->")
            if item.get("from_id") is None or item.get("to_id") is None:
                raise ConvertError(f"relation {item!r} lacks from_id or to_id")
            stances.append(Stance(str(item["from_id"]), str(item["to_id"]), label))
            continue
        rid = str(item.get("id"))
        control = str(item.get("from_name"))
        value = item.get("value") or {}
        if kind == "labels":
            if rid in spans:
                raise ConvertError(f"region id {rid} is used by two regions")
            label = _single(value.get("labels"), "label", rid)
            start, end = value.get("start"), value.get("end")
            if not (isinstance(start, int) and isinstance(end, int)):
                raise ConvertError(f"region {rid}: offsets {start!r}:{end!r} are not integers")
            spans[rid] = (
                control,
                label,
                start,
                end,
                value.get("text", ""),
                item.get("meta") or {},
            )
        elif kind == "choices" and control in (lc.CERTAINTY, lc.TOPIC):
            attrs.setdefault(rid, {})[control] = _single(value.get("choices"), control, rid)
        elif kind == "textarea" and control == lc.VALUE:
            attrs.setdefault(rid, {})[lc.VALUE] = _single(value.get("text"), "value", rid)
        else:
            raise ConvertError(f"region {rid}: unexpected result item {control!r}/{kind!r}")
    ann = Annotation(document_id=document_id, annotator=annotator, ground_truth=ground_truth)
    for rid, (control, label, start, end, text, meta) in spans.items():
        extra = attrs.pop(rid, {})
        if control == lc.ENTITIES:
            ann.entities.append(Span(rid, start, end, label, text, extra.pop(lc.VALUE, None)))
        elif control == lc.CLAIMS and label == schema.CLAIM:
            ann.claims.append(
                Claim(
                    rid, start, end, text, extra.pop(lc.CERTAINTY, None), extra.pop(lc.TOPIC, None)
                )
            )
        elif control == lc.CLAIMS and label == schema.SOURCE:
            ann.sources.append(Source(rid, start, end, text))
        elif control == lc.BOILERPLATE_CONTROL:
            notes = meta.get("text") if isinstance(meta, Mapping) else None
            reason = notes[0] if isinstance(notes, list) and notes else None
            ann.boilerplate.append(Span(rid, start, end, label, text, reason))
        else:
            raise ConvertError(f"region {rid}: label {label!r} of control {control!r}")
        if extra:
            raise ConvertError(f"region {rid} ({label}) cannot carry {sorted(extra)}")
    if attrs:
        raise ConvertError(f"attributes for unknown regions {sorted(attrs)}")
    ann.stances.extend(stances)
    return ann.sorted()


def task_document_id(task: Mapping[str, Any]) -> str:
    data = task.get("data") or {}
    doc_id = data.get("document_id")
    if not isinstance(doc_id, str) or not doc_id:
        raise ConvertError(f"task {task.get('id', '?')} has no data.document_id")
    return doc_id


def task_annotations(task: Mapping[str, Any], include_cancelled: bool = False) -> list[Annotation]:
    """Every annotation of a task as records, each with its annotator and ground_truth flag."""
    doc_id = task_document_id(task)
    out = []
    for ann in task.get("annotations") or []:
        if ann.get("was_cancelled") and not include_cancelled:
            continue
        out.append(
            from_results(
                ann.get("result") or [],
                doc_id,
                annotator_name(ann.get("completed_by")),
                bool(ann.get("ground_truth", False)),
            )
        )
    return out


def ground_truth_annotation(task: Mapping[str, Any]) -> Annotation:
    """The adjudicated annotation of a task: the one (not cancelled) with ground_truth true."""
    doc_id = task_document_id(task)
    gold = [a for a in task_annotations(task) if a.ground_truth]
    if len(gold) == 1:
        return gold[0]
    who = ", ".join(a.annotator for a in task_annotations(task)) or "none"
    if not gold:
        raise ConvertError(
            f"document {doc_id}: no annotation is marked ground_truth (annotations by: {who}); "
            "adjudicate one in Label Studio (star it) and pull again"
        )
    raise ConvertError(
        f"document {doc_id}: {len(gold)} annotations are marked ground_truth "
        f"({', '.join(a.annotator for a in gold)}); exactly one must be"
    )


# --------------------------------------------------------------------------- tasks


def byline(metadata: Mapping[str, Any]) -> str:
    authors = metadata.get("authors") or []
    parts = [
        str(metadata.get("publisher") or "publisher unknown"),
        ", ".join(authors) if authors else "author unknown",
        str(metadata.get("date") or "date unknown"),
    ]
    return " · ".join(parts)


def task_data(document: Any) -> dict[str, Any]:
    """Task data for a corpus document (duck-typed: id, text, sha256, metadata)."""
    meta = dict(getattr(document, "metadata", {}) or {})
    text = document.text
    return {
        "text": text,
        "document_id": document.id,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "title": meta.get("title") or f"Document {document.id}",
        "byline": byline(meta),
        "publisher": meta.get("publisher"),
        "authors": list(meta.get("authors") or []),
        "date": meta.get("date"),
        "language": meta.get("language"),
    }


def make_task(document: Any, annotations: Iterable[Annotation] = ()) -> dict[str, Any]:
    """A Label Studio task (import format) for a document and its annotation records."""
    return normalise_task(
        {"data": task_data(document), "annotations": [to_ls_annotation(a) for a in annotations]}
    )


def _annotation_key(ann: Mapping[str, Any]) -> tuple:
    who = ann.get("completed_by")
    email = who.get("email", "") if isinstance(who, Mapping) else str(who)
    return (
        email,
        not ann.get("ground_truth", False),
        json.dumps(ann.get("result"), sort_keys=True, ensure_ascii=False),
    )


def normalise_task(task: Mapping[str, Any]) -> dict[str, Any]:
    """A task as committed: export fields that survive an import, volatile ones dropped,
    annotations and result items in deterministic order, ``ground_truth`` explicit."""
    annotations = []
    for ann in task.get("annotations") or []:
        out = {k: ann[k] for k in ANNOTATION_KEYS if k in ann}
        who = ann.get("completed_by")
        if isinstance(who, Mapping):
            out["completed_by"] = {k: who[k] for k in COMPLETED_BY_KEYS if k in who}
        elif who is not None:
            raise ConvertError(
                f"completed_by={who!r} is a server-local user id; export with "
                "annotations__completed_by expanded (nkru studio pull does)"
            )
        out["ground_truth"] = bool(ann.get("ground_truth", False))
        out["was_cancelled"] = bool(ann.get("was_cancelled", False))
        out.setdefault("lead_time", None)
        out["result"] = sort_results(ann.get("result") or [])
        annotations.append({k: out[k] for k in ANNOTATION_KEYS if k in out})
    annotations.sort(key=_annotation_key)
    normalised: dict[str, Any] = {"data": dict(task.get("data") or {}), "annotations": annotations}
    if task.get("meta"):
        normalised["meta"] = task["meta"]
    return normalised


def dumps_export(tasks: list[Mapping[str, Any]]) -> str:
    """The committed file text: a JSON list, stable key order, indent=2, UTF-8 as is."""
    return json.dumps(tasks, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
