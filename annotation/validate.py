"""Check every annotation of every Label Studio export against the scheme.

Works on the raw result items (not on the converted records) so that it can report what the
converter would refuse. Each problem names the document, the annotator, the region id, the
offsets and the text. Errors make ``nkru validate`` exit 2; an entity span that does not fall on
spaCy token boundaries is an error too, because the dataset's token-level fields could not
represent it (the build refuses it rather than dropping it).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.table import Table

from nkru import schema
from nkru.corpus import load_corpus
from nkru.segment import tokens

from . import convert
from . import labeling_config as lc

ERROR = "error"
WARNING = "warning"

# control -> allowed labels
SPAN_LABELS: dict[str, tuple[str, ...]] = {
    lc.ENTITIES: schema.ENTITY_LABELS,
    lc.CLAIMS: schema.CLAIM_LAYER_LABELS,
    lc.BOILERPLATE_CONTROL: (schema.BOILERPLATE,),
}
CHOICES: dict[str, tuple[str, ...]] = {
    lc.CERTAINTY: schema.CERTAINTY_LABELS,
    lc.TOPIC: schema.TOPIC_LABELS,
}

Tokenizer = Callable[[Any], Iterable[tuple[int, int]]]


@dataclass(frozen=True)
class Problem:
    severity: str
    document: str
    annotator: str
    region: str | None
    start: int | None
    end: int | None
    text: str | None
    message: str
    file: str = ""

    def __str__(self) -> str:
        where = f"document {self.document}, annotator {self.annotator}"
        if self.region is not None:
            where += f", region {self.region}"
        if self.start is not None:
            where += f" [{self.start}:{self.end}]"
        if self.text is not None:
            shown = self.text if len(self.text) <= 60 else self.text[:57] + "…"
            where += f" {shown!r}"
        return f"{self.severity}: {where}: {self.message}"


def document_problem(document: str, message: str, file: str, annotator: str = "-") -> Problem:
    """An error about a whole document or annotation (no region, offsets or text)."""
    return Problem(ERROR, document, annotator, None, None, None, None, message, file)


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    # (document, annotator) -> layer counts
    counts: dict[tuple[str, str], Counter] = field(default_factory=dict)
    files: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    def ok(self, strict: bool = False) -> bool:
        return not self.errors and not (strict and self.warnings)


@dataclass
class _Region:
    id: str
    control: str
    labels: list[Any]
    start: Any
    end: Any
    text: Any
    choices: dict[str, list[Any]] = field(default_factory=dict)
    values: list[Any] | None = None

    @property
    def label(self) -> str | None:
        return self.labels[0] if len(self.labels) == 1 else None


def _overlap(a: _Region, b: Any) -> bool:
    return a.start < b.end and b.start < a.end


def _valid_offsets(r: _Region, text: str) -> bool:
    return (
        isinstance(r.start, int)
        and isinstance(r.end, int)
        and not isinstance(r.start, bool)
        and 0 <= r.start < r.end <= len(text)
    )


def _default_tokenizer(document: Any) -> Iterable[tuple[int, int]]:

    return tokens(document)


class _Checker:
    def __init__(
        self,
        report: Report,
        file: str,
        doc_id: str,
        annotator: str,
        text: str,
        document: Any | None,
        tokenize: Tokenizer | None,
    ) -> None:
        self.report, self.file, self.doc_id = report, file, doc_id
        self.annotator, self.text = annotator, text
        self.document, self.tokenize = document, tokenize

    def add(
        self,
        message: str,
        region: _Region | None = None,
        severity: str = ERROR,
        region_id: str | None = None,
    ) -> None:
        start = end = shown = None
        if region is not None:
            region_id = region.id
            start = region.start if isinstance(region.start, int) else None
            end = region.end if isinstance(region.end, int) else None
            shown = region.text if isinstance(region.text, str) else None
        self.report.problems.append(
            Problem(
                severity,
                self.doc_id,
                self.annotator,
                region_id,
                start,
                end,
                shown,
                message,
                self.file,
            )
        )

    def check(self, results: Sequence[Mapping[str, Any]]) -> Counter:
        regions: dict[str, _Region] = {}
        attributes: list[Mapping[str, Any]] = []
        relations: list[Mapping[str, Any]] = []
        for item in results:
            kind = item.get("type")
            if kind == "relation":
                relations.append(item)
            elif kind == "labels":
                rid = str(item.get("id"))
                value = item.get("value") or {}
                region = _Region(
                    rid,
                    str(item.get("from_name")),
                    list(value.get("labels") or []),
                    value.get("start"),
                    value.get("end"),
                    value.get("text"),
                )
                if rid in regions:
                    self.add("region id used by two regions", region)
                    continue
                regions[rid] = region
            elif kind in ("choices", "textarea"):
                attributes.append(item)
            else:
                self.add(
                    f"unexpected result item type {kind!r} (from_name {item.get('from_name')!r})",
                    region_id=str(item.get("id")),
                )
        for item in attributes:
            self._attach(item, regions)
        for region in regions.values():
            self._check_region(region)
        self._check_overlaps(regions)
        self._check_relations(relations, regions)
        counts: Counter = Counter()
        for r in regions.values():
            counts[
                {lc.ENTITIES: "entities", lc.BOILERPLATE_CONTROL: "boilerplate"}.get(
                    r.control, "claims" if r.label == schema.CLAIM else "sources"
                )
            ] += 1
        counts["stances"] = len(relations)
        return counts

    def _attach(self, item: Mapping[str, Any], regions: dict[str, _Region]) -> None:
        rid, control = str(item.get("id")), item.get("from_name")
        value = item.get("value") or {}
        region = regions.get(rid)
        if region is None:
            self.add(f"{control} attribute for a region that does not exist", region_id=rid)
            return
        if value.get("start") != region.start or value.get("end") != region.end:
            self.add(
                f"{control} attribute offsets [{value.get('start')}:{value.get('end')}] "
                "differ from its region's",
                region,
            )
        if item.get("type") == "choices" and control in CHOICES:
            region.choices[control] = list(value.get("choices") or [])
        elif item.get("type") == "textarea" and control == lc.VALUE:
            region.values = list(value.get("text") or [])
        else:
            self.add(f"unknown attribute control {control!r} ({item.get('type')})", region)

    def _check_region(self, r: _Region) -> None:
        allowed = SPAN_LABELS.get(r.control)
        if allowed is None:
            self.add(f"unknown labels control {r.control!r}", r)
            return
        if r.label is None:
            self.add(f"expected exactly one label, got {r.labels!r}", r)
        elif r.label not in allowed:
            self.add(
                f"label {r.label!r} is not in the schema for {r.control} ({', '.join(allowed)})", r
            )
        if not _valid_offsets(r, self.text):
            self.add(f"offsets out of range (text length {len(self.text)})", r)
        elif r.text != self.text[r.start : r.end]:
            self.add(f"span text differs from text[start:end] = {self.text[r.start : r.end]!r}", r)
        is_claim = r.control == lc.CLAIMS and r.label == schema.CLAIM
        for control, allowed_choices in CHOICES.items():
            chosen = r.choices.get(control)
            if chosen is None:
                if is_claim:
                    self.add(f"CLAIM without {control}", r)
                continue
            if not is_claim:
                self.add(f"{control} on a {r.label} region (only CLAIM has it)", r)
            if len(chosen) != 1 or chosen[0] not in allowed_choices:
                self.add(f"{control} {chosen!r} is not one of {', '.join(allowed_choices)}", r)
        label = r.label or ""
        valued = r.control == lc.ENTITIES and label in schema.VALUED_LABELS
        if r.values is None or r.values == [] or r.values == [""]:
            if valued:
                self.add(
                    f"{r.label} without a normalised value ({schema.VALUE_FORMAT_HELP[label]})", r
                )
        elif not valued:
            self.add(
                f"value {r.values!r} on a {r.label} region (only "
                f"{'/'.join(schema.VALUED_LABELS)} have one)",
                r,
            )
        elif len(r.values) != 1 or not schema.valid_value(label, str(r.values[0])):
            self.add(
                f"value {r.values!r} is not in the {r.label} format "
                f"({schema.VALUE_FORMAT_HELP[label]})",
                r,
            )
        if (
            r.control == lc.ENTITIES
            and _valid_offsets(r, self.text)
            and self.document is not None
            and self.tokenize is not None
        ):
            starts, ends = self._token_bounds()
            if r.start not in starts or r.end not in ends:
                self.add("entity span does not fall on spaCy token boundaries", r)

    def _token_bounds(self) -> tuple[set[int], set[int]]:
        assert self.tokenize is not None  # checked by the caller
        if not hasattr(self, "_bounds"):
            toks = [
                (t[0], t[1]) if isinstance(t, tuple) else (t.start, t.end)
                for t in self.tokenize(self.document)
            ]
            self._bounds = ({s for s, _ in toks}, {e for _, e in toks})
        return self._bounds

    def _check_overlaps(self, regions: dict[str, _Region]) -> None:
        ok = [r for r in regions.values() if _valid_offsets(r, self.text)]
        entities = sorted(
            (r for r in ok if r.control == lc.ENTITIES), key=lambda r: (r.start, r.end, r.id)
        )
        for i, a in enumerate(entities):
            for b in entities[i + 1 :]:
                if b.start >= a.end:
                    break
                self.add(
                    f"entity overlaps entity {b.id} [{b.start}:{b.end}] {b.text!r} "
                    "(entities are flat; touching is fine)",
                    a,
                )
        boiler: list[Any] = [r for r in ok if r.control == lc.BOILERPLATE_CONTROL]
        if self.document is not None:
            boiler += list(getattr(self.document, "boilerplate", ()))
        for r in ok:
            if r.control == lc.BOILERPLATE_CONTROL:
                continue
            for b in boiler:
                if _overlap(r, b):
                    self.add(f"annotation overlaps boilerplate {b.id} [{b.start}:{b.end}]", r)
                    break

    def _check_relations(
        self, relations: list[Mapping[str, Any]], regions: dict[str, _Region]
    ) -> None:
        seen = set()
        for rel in relations:
            src, dst = str(rel.get("from_id")), str(rel.get("to_id"))
            rid = f"{src}->{dst}"
            labels = rel.get("labels") or []
            a, b = regions.get(src), regions.get(dst)
            if a is None or b is None:
                missing = src if a is None else dst
                self.add(
                    f"relation points to a region that does not exist ({missing})", region_id=rid
                )
                continue
            if not (
                a.control == lc.CLAIMS
                and a.label == schema.SOURCE
                and b.control == lc.CLAIMS
                and b.label == schema.CLAIM
            ):
                self.add(
                    f"relation must go SOURCE -> CLAIM, not {a.label} -> {b.label}", region_id=rid
                )
            if len(labels) != 1 or labels[0] not in schema.STANCE_LABELS:
                self.add(
                    f"relation needs exactly one stance label of "
                    f"{', '.join(schema.STANCE_LABELS)}, got {labels!r}",
                    region_id=rid,
                )
            if (src, dst) in seen:
                self.add("two relations between the same source and claim", region_id=rid)
            seen.add((src, dst))


def validate_task(
    task: Mapping[str, Any],
    report: Report,
    document: Any | None = None,
    tokenize: Tokenizer | None = _default_tokenizer,
    file: str = "",
) -> None:
    """Check one exported task (all its annotations) and add to ``report``."""
    data = task.get("data") or {}
    doc_id = str(data.get("document_id") or Path(file).stem or "?")
    text = data.get("text")
    if not isinstance(text, str):
        report.problems.append(document_problem(doc_id, "task has no data.text", file))
        return
    if document is None:
        report.problems.append(document_problem(doc_id, "document id is not in the corpus", file))
    else:
        got = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if got != document.sha256 or text != document.text:
            report.problems.append(
                document_problem(
                    doc_id,
                    f"task text is not byte-identical to the corpus document (sha256 {got[:12]}… "
                    f"vs {document.sha256[:12]}…)",
                    file,
                )
            )
            document = None  # offsets cannot be compared with the corpus text
    annotations = task.get("annotations") or []
    if not annotations:
        report.counts[(doc_id, "-")] = Counter()
    for ann in annotations:
        try:
            annotator = convert.annotator_name(ann.get("completed_by"))
        except convert.ConvertError as exc:
            annotator = "?"
            report.problems.append(document_problem(doc_id, str(exc), file, annotator))
        if ann.get("was_cancelled"):
            continue
        checker = _Checker(
            report,
            file,
            doc_id,
            annotator,
            text,
            document,
            tokenize if document is not None else None,
        )
        counts = checker.check(ann.get("result") or [])
        counts["ground_truth"] = int(bool(ann.get("ground_truth")))
        key = (doc_id, annotator)
        report.counts[key] = report.counts.get(key, Counter()) + counts
    gold = [a for a in annotations if a.get("ground_truth") and not a.get("was_cancelled")]
    if len(gold) > 1:
        report.problems.append(
            document_problem(
                doc_id, f"{len(gold)} annotations are marked ground_truth; at most one may be", file
            )
        )


def validate_exports(
    exports_dir: Path,
    documents: Mapping[str, Any] | None = None,
    tokenize: Tokenizer | None = _default_tokenizer,
) -> Report:
    """Validate every ``*.json`` export in ``exports_dir`` against the corpus and the schema."""
    if documents is None:
        documents = {d.id: d for d in load_corpus()}
    report = Report()
    for path in sorted(Path(exports_dir).glob("*.json")):
        report.files += 1
        try:
            tasks = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            report.problems.append(document_problem(path.stem, f"not valid JSON: {exc}", str(path)))
            continue
        if isinstance(tasks, dict):
            tasks = [tasks]
        if not isinstance(tasks, list):
            report.problems.append(
                document_problem(path.stem, "expected a JSON list of tasks", str(path))
            )
            continue
        for task in tasks:
            doc_id = str((task.get("data") or {}).get("document_id") or path.stem)
            validate_task(task, report, documents.get(doc_id), tokenize, str(path))
    return report


def summary_table(report: Report) -> Any:

    per: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for p in report.problems:
        per[(p.document, p.annotator)][p.severity] += 1
    table = Table(title=f"Label Studio exports: {report.files} file(s)")
    columns = ("doc", "who", "gold", "ent", "claim", "src", "stance", "bp", "err", "warn")
    for col in columns:
        table.add_column(col, justify="left" if col in ("doc", "who") else "right")
    for (doc, who), c in sorted(report.counts.items()):
        table.add_row(
            doc,
            who,
            "★" if c["ground_truth"] else "",
            *(str(c[k]) for k in ("entities", "claims", "sources", "stances", "boilerplate")),
            str(per[(doc, who)][ERROR]),
            str(per[(doc, who)][WARNING]),
        )
    return table
