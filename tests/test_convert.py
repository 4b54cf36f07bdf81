"""Records <-> Label Studio results: lossless, deterministic, every annotator kept."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nkru import schema
from nkru.annotation import convert
from nkru.annotation import labeling_config as lc
from nkru.corpus import Document
from nkru.records import Annotation, Claim, Source, Span, Stance

TEXT = (
    "Selon Lloyd Austin 😀, plus de 10 000 soldats nord-coréens seraient en Russie "
    "depuis le 25 octobre 2024."
)


def _at(sub: str) -> tuple[int, int]:
    i = TEXT.index(sub)
    return i, i + len(sub)


def _span(sub: str, label: str, rid: str, value: str | None = None) -> Span:
    return Span(rid, *_at(sub), label, sub, value)


def sample_annotation(annotator: str = "alice", ground_truth: bool = False) -> Annotation:
    claim = TEXT[TEXT.index("plus") : TEXT.index(" depuis")]
    return Annotation(
        "900",
        annotator,
        ground_truth,
        entities=[
            _span("Lloyd Austin", "PER", "e1"),
            _span("plus de 10 000", "QUANTITY", "e2", ">10000"),
            _span("nord-coréens", "NORP", "e3"),
            _span("Russie", "GPE", "e4"),
            _span("25 octobre 2024", "DATE", "e5", "2024-10-25"),
        ],
        claims=[Claim("c1", *_at(claim), claim, "hedged", "troops")],
        sources=[Source("s1", *_at("Lloyd Austin"), "Lloyd Austin")],
        stances=[Stance("s1", "c1", "support")],
        boilerplate=[Span("b1", *_at("😀"), schema.BOILERPLATE, "😀", "emoji")],
    )


def sample_document() -> Document:
    return Document(
        "900",
        "900.txt",
        hashlib.sha256(TEXT.encode()).hexdigest(),
        TEXT,
        {
            "title": "Essai",
            "date": "2024-10-25",
            "authors": ["A. B."],
            "publisher": "P",
            "language": "fr",
        },
    )


def test_round_trip_is_lossless():
    ann = sample_annotation()
    results = convert.to_results(ann)
    assert convert.from_results(results, "900", "alice") == ann.sorted()


def test_result_layout_matches_label_studio():
    items = convert.to_results(sample_annotation())
    by = {(i.get("id"), i.get("from_name")): i for i in items if i["type"] != "relation"}
    date = by[("e5", lc.VALUE)]
    assert date["type"] == "textarea" and date["value"]["text"] == ["2024-10-25"]
    assert date["value"]["start"] == by[("e5", lc.ENTITIES)]["value"]["start"]
    assert by[("c1", lc.CERTAINTY)]["value"]["choices"] == ["hedged"]
    assert by[("c1", lc.TOPIC)]["value"]["choices"] == ["troops"]
    assert by[("s1", lc.CLAIMS)]["value"]["labels"] == [schema.SOURCE]
    assert by[("b1", lc.BOILERPLATE_CONTROL)]["meta"] == {"text": ["emoji"]}
    (rel,) = [i for i in items if i["type"] == "relation"]
    assert rel == {
        "from_id": "s1",
        "to_id": "c1",
        "type": "relation",
        "direction": "right",
        "labels": ["support"],
    }
    # the emoji is one code point: offsets are Python str indices
    assert TEXT[by[("e4", lc.ENTITIES)]["value"]["start"] :][:6] == "Russie"


def test_task_keeps_every_annotator_and_picks_ground_truth():
    task = convert.make_task(
        sample_document(), [sample_annotation("bob", True), sample_annotation("alice")]
    )
    anns = convert.task_annotations(task)
    assert [(a.annotator, a.ground_truth) for a in anns] == [("alice", False), ("bob", True)]
    assert convert.ground_truth_annotation(task).annotator == "bob"
    assert task["annotations"][0]["completed_by"] == {"email": "alice@nkru.invalid"}
    assert all(a["ground_truth"] in (True, False) for a in task["annotations"])


def test_ground_truth_none_or_several_is_a_clear_error():
    doc = sample_document()
    none = convert.make_task(doc, [sample_annotation("alice"), sample_annotation("bob")])
    with pytest.raises(convert.ConvertError, match="no annotation is marked ground_truth"):
        convert.ground_truth_annotation(none)
    two = convert.make_task(doc, [sample_annotation("alice", True), sample_annotation("bob", True)])
    with pytest.raises(convert.ConvertError, match="2 annotations are marked ground_truth"):
        convert.ground_truth_annotation(two)


def test_annotator_identity():
    assert convert.annotator_name({"id": 7, "email": "alice@nkru.invalid"}) == "alice"
    assert convert.annotator_name({"email": "x@example.org"}) == "x@example.org"
    assert convert.annotator_email("alice") == "alice@nkru.invalid"
    with pytest.raises(convert.ConvertError):
        convert.annotator_email("Alice Smith")


def test_normalised_export_is_deterministic():
    doc = sample_document()
    a = convert.make_task(doc, [sample_annotation("alice"), sample_annotation("bob", True)])
    b = convert.make_task(doc, [sample_annotation("bob", True), sample_annotation("alice")])
    shuffled = json.loads(json.dumps(b))
    for ann in shuffled["annotations"]:
        ann["result"].reverse()
    server_like = dict(shuffled, id=12, created_at="2026-01-01", inner_id=3, project=4)
    text = convert.dumps_export([convert.normalise_task(server_like)])
    assert text == convert.dumps_export([a])
    assert "😀" in text and "\\u" not in text  # ensure_ascii=False


def test_server_local_user_id_is_refused():
    task = convert.make_task(sample_document(), [sample_annotation()])
    task["annotations"][0]["completed_by"] = 3
    with pytest.raises(convert.ConvertError, match="server-local user id"):
        convert.normalise_task(task)


# --------------------------------------------------------------------------- random records

ALPHABET = st.sampled_from([*list("abc éà😀\n-'"), "𝔘", "ß"])


@st.composite
def annotations(draw):
    text = draw(st.text(ALPHABET, min_size=20, max_size=80))
    n = len(text)

    def span_bounds():
        start = draw(st.integers(0, n - 1))
        end = draw(st.integers(start + 1, n))
        return start, end

    ids = iter(f"r{i}" for i in range(1000))
    entities = []
    for _ in range(draw(st.integers(0, 5))):
        s, e = span_bounds()
        label = draw(st.sampled_from(schema.ENTITY_LABELS))
        value = (
            draw(st.one_of(st.none(), st.text(ALPHABET, min_size=1, max_size=8)))
            if label in schema.VALUED_LABELS
            else None
        )
        entities.append(Span(next(ids), s, e, label, text[s:e], value))
    claims = []
    for _ in range(draw(st.integers(0, 3))):
        s, e = span_bounds()
        claims.append(
            Claim(
                next(ids),
                s,
                e,
                text[s:e],
                draw(st.one_of(st.none(), st.sampled_from(schema.CERTAINTY_LABELS))),
                draw(st.one_of(st.none(), st.sampled_from(schema.TOPIC_LABELS))),
            )
        )
    sources = []
    for _ in range(draw(st.integers(0, 3))):
        s, e = span_bounds()
        sources.append(Source(next(ids), s, e, text[s:e]))
    stances = []
    if claims and sources:
        for _ in range(draw(st.integers(0, 3))):
            stances.append(
                Stance(
                    draw(st.sampled_from(sources)).id,
                    draw(st.sampled_from(claims)).id,
                    draw(st.sampled_from(schema.STANCE_LABELS)),
                )
            )
    boilerplate = []
    for _ in range(draw(st.integers(0, 2))):
        s, e = span_bounds()
        boilerplate.append(
            Span(
                next(ids),
                s,
                e,
                schema.BOILERPLATE,
                text[s:e],
                draw(st.one_of(st.none(), st.text(min_size=1, max_size=10))),
            )
        )
    return Annotation(
        "901",
        draw(st.sampled_from(["alice", "bob", "c.d-e_f"])),
        draw(st.booleans()),
        entities,
        claims,
        sources,
        stances,
        boilerplate,
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(annotations())
def test_random_records_round_trip(ann):
    results = convert.to_results(ann)
    back = convert.from_results(results, ann.document_id, ann.annotator, ann.ground_truth)
    assert back == ann.sorted()
    # through the committed JSON text as well
    again = json.loads(convert.dumps_export(results))
    assert (
        convert.from_results(again, ann.document_id, ann.annotator, ann.ground_truth)
        == ann.sorted()
    )
