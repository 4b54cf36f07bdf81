"""`validate` catches each kind of problem (one case each) with a clear message naming the
document, annotator, region, offsets and text; exit 2 on errors, a summary table otherwise."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from nkru import schema
from nkru.annotation import convert, results
from nkru.annotation import labeling_config as lc
from nkru.annotation import validate as v
from nkru.annotation.cli import validate_command
from nkru.corpus import Document, load_corpus
from nkru.records import Annotation, Claim, Source, Span, Stance

TEXT = (
    "Selon Lloyd Austin 😀, plus de 10 000 soldats nord-coréens seraient en Russie "
    "depuis le 25 octobre 2024. Lire aussi | La suite"
)
CHROME = "Lire aussi | La suite"


def _at(sub: str) -> tuple[int, int]:
    i = TEXT.index(sub)
    return i, i + len(sub)


def _doc() -> Document:
    start, end = _at(CHROME)
    return Document(
        "950",
        "950.txt",
        hashlib.sha256(TEXT.encode()).hexdigest(),
        TEXT,
        {},
        (Span("950-bp01", start, end, schema.BOILERPLATE, CHROME, "related link"),),
    )


def _valid_task() -> dict:
    claim = TEXT[TEXT.index("plus") : TEXT.index(" depuis")]
    ents = [
        ("Lloyd Austin", "PER", None),
        ("plus de 10 000", "QUANTITY", ">10000"),
        ("nord-coréens", "NORP", None),
        ("Russie", "GPE", None),
        ("25 octobre 2024", "DATE", "2024-10-25"),
    ]
    alice = Annotation(
        "950",
        "alice",
        True,
        entities=[Span(f"e{i}", *_at(s), lab, s, val) for i, (s, lab, val) in enumerate(ents)],
        claims=[Claim("c1", *_at(claim), claim, "hedged", "troops")],
        sources=[Source("s1", *_at("Lloyd Austin"), "Lloyd Austin")],
        stances=[Stance("s1", "c1", "support")],
        boilerplate=[Span("b1", *_at(CHROME), schema.BOILERPLATE, CHROME, "related link")],
    )
    bob = Annotation("950", "bob", False, entities=[Span("e1", *_at("Russie"), "GPE", "Russie")])
    return convert.make_task(_doc(), [alice, bob])


def _check(task: dict) -> v.Report:
    report = v.Report()
    v.validate_task(task, report, _doc(), file="950.json")
    return report


def _items(task: dict, annotator: str = "alice") -> list[dict]:
    (ann,) = [a for a in task["annotations"] if a["completed_by"]["email"].startswith(annotator)]
    return ann["result"]


def _item(task: dict, rid: str, control: str) -> dict:
    (item,) = [i for i in _items(task) if i.get("id") == rid and i.get("from_name") == control]
    return item


def test_valid_task_has_no_problem():
    report = _check(_valid_task())
    assert report.problems == []
    assert report.counts[("950", "alice")]["entities"] == 5
    assert report.counts[("950", "alice")]["stances"] == 1


# One mutation per kind of problem: (name, mutate, expected message fragment, region)
def _span_text(t):
    _item(t, "e3", lc.ENTITIES)["value"]["text"] = "Russia"


def _offsets(t):
    _item(t, "e0", lc.ENTITIES)["value"].update(start=len(TEXT) - 2, end=len(TEXT) + 5)


def _label(t):
    _item(t, "e2", lc.ENTITIES)["value"]["labels"] = ["NATIONALITY"]


def _choice(t):
    _item(t, "c1", lc.TOPIC)["value"]["choices"] = ["politics"]


def _no_certainty(t):
    _items(t).remove(_item(t, "c1", lc.CERTAINTY))


def _no_topic(t):
    _items(t).remove(_item(t, "c1", lc.TOPIC))


def _no_value(t):
    _items(t).remove(_item(t, "e4", lc.VALUE))


def _bad_value(t):
    _item(t, "e1", lc.VALUE)["value"]["text"] = ["plus de 10000"]


def _relation_direction(t):
    rel = _items(t)[-1]
    rel["from_id"], rel["to_id"] = rel["to_id"], rel["from_id"]


def _relation_labels(t):
    _items(t)[-1]["labels"] = ["support", "deny"]


def _relation_target(t):
    _items(t)[-1]["to_id"] = "c9"


def _overlap(t):
    start, end = _at("soldats nord-coréens")
    _items(t).append(results.region("e9", lc.ENTITIES, start, end, TEXT[start:end], "NORP"))


def _boilerplate(t):
    start, end = _at("Lire aussi")
    _items(t).append(results.region("s9", lc.CLAIMS, start, end, TEXT[start:end], "SOURCE"))


def _token(t):
    start, end = _at("Russie")
    item = _item(t, "e3", lc.ENTITIES)
    item["value"].update(start=start, end=end - 1, text=TEXT[start : end - 1])


CASES = [
    ("span text", _span_text, "span text differs from text[start:end] = 'Russie'", "e3"),
    ("offsets", _offsets, "offsets out of range", "e0"),
    ("label", _label, "label 'NATIONALITY' is not in the schema", "e2"),
    ("choice", _choice, "topic ['politics'] is not one of", "c1"),
    ("certainty", _no_certainty, "CLAIM without certainty", "c1"),
    ("topic", _no_topic, "CLAIM without topic", "c1"),
    ("no value", _no_value, "DATE without a normalised value", "e4"),
    ("bad value", _bad_value, "is not in the QUANTITY format", "e1"),
    (
        "direction",
        _relation_direction,
        "relation must go SOURCE -> CLAIM, not CLAIM -> SOURCE",
        "c1->s1",
    ),
    ("stance labels", _relation_labels, "exactly one stance label", "s1->c1"),
    ("dangling", _relation_target, "region that does not exist (c9)", "s1->c9"),
    ("overlap", _overlap, "entity overlaps entity e2", "e9"),
    ("boilerplate", _boilerplate, "annotation overlaps boilerplate", "s9"),
]


@pytest.mark.parametrize(("name", "mutate", "message", "region"), CASES, ids=[c[0] for c in CASES])
def test_each_problem_is_reported(name, mutate, message, region):
    task = _valid_task()
    mutate(task)
    report = _check(task)
    assert report.errors, f"{name}: nothing reported"
    hits = [p for p in report.errors if message in p.message]
    assert hits, f"{name}: {[str(p) for p in report.errors]}"
    problem = hits[0]
    assert (problem.document, problem.annotator, problem.region) == ("950", "alice", region)
    text = str(problem)
    assert "document 950" in text and "annotator alice" in text and region in text
    if problem.start is not None:
        assert f"[{problem.start}:{problem.end}]" in text


def test_touching_entities_are_fine():
    task = _valid_task()
    start, end = _at(" soldats")  # touches "plus de 10 000" on the left, "nord-coréens" right
    _items(task).append(
        results.region("e9", lc.ENTITIES, start + 1, end, TEXT[start + 1 : end], "NORP")
    )
    assert not [p for p in _check(task).errors if "overlaps" in p.message]


def test_token_boundary_is_an_error():
    task = _valid_task()
    _token(task)
    report = _check(task)
    (error,) = report.errors
    assert error.region == "e3" and "token boundaries" in error.message
    assert not report.ok()


def test_text_not_identical_to_corpus():
    task = _valid_task()
    task["data"]["text"] = TEXT.replace("é", "e\u0301")  # same look, other code points
    report = _check(task)
    assert any("not byte-identical" in p.message and "sha256" in p.message for p in report.errors)


def test_several_ground_truths():
    task = _valid_task()
    for ann in task["annotations"]:
        ann["ground_truth"] = True
    assert any("2 annotations are marked ground_truth" in p.message for p in _check(task).errors)


def test_unknown_document():
    report = v.Report()
    v.validate_task(_valid_task(), report, None, file="950.json")
    assert any("not in the corpus" in p.message for p in report.errors)


# --------------------------------------------------------------------------- CLI, real corpus


def _corpus_task(valid: bool = True) -> tuple[str, dict]:
    doc = load_corpus()[0]
    start = doc.text.index("Philippe Pons")
    assert not doc.in_boilerplate(start, start + 13)
    label = "PER" if valid else "PERSON"
    ann = Annotation(
        doc.id, "alice", True, entities=[Span("e1", start, start + 13, label, "Philippe Pons")]
    )
    return doc.id, convert.make_task(doc, [ann])


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("validate")(validate_command)
    app.command("noop")(lambda: None)  # keep the subcommand layout of nkru/cli.py
    return app


def _write(folder: Path, doc_id: str, task: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{doc_id}.json").write_text(convert.dumps_export([task]), encoding="utf-8")


def test_cli_ok_prints_summary_table(tmp_path):
    doc_id, task = _corpus_task()
    _write(tmp_path, doc_id, task)
    result = CliRunner(env={"COLUMNS": "160"}).invoke(_app(), ["validate", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "ent" in result.output and "alice" in result.output and "ok" in result.output


def test_cli_errors_exit_2_without_traceback(tmp_path):
    doc_id, task = _corpus_task(valid=False)
    _write(tmp_path, doc_id, task)
    result = CliRunner().invoke(_app(), ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert "label 'PERSON' is not in the schema" in result.output
    assert "Traceback" not in result.output


def test_cli_bad_input_exit_2(tmp_path):
    result = CliRunner().invoke(_app(), ["validate", str(tmp_path / "missing")])
    assert result.exit_code == 2
    (tmp_path / "000.json").write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(_app(), ["validate", str(tmp_path)])
    assert result.exit_code == 2 and "not valid JSON" in result.output


def test_committed_exports_validate():
    """Whatever is committed under annotation/exports must pass (skipped while empty)."""
    folder = Path(__file__).resolve().parents[1] / "annotation" / "exports"
    if not list(folder.glob("*.json")):
        pytest.skip("no committed exports yet")
    report = v.validate_exports(folder)
    assert not report.errors, "\n".join(str(p) for p in report.errors[:20])


def test_problem_copy_is_hashable():
    # Problems are plain frozen records (usable in sets for de-duplication).
    task = copy.deepcopy(_valid_task())
    _span_text(task)
    assert len(set(_check(task).problems)) == len(_check(task).problems)
    assert json.dumps([str(p) for p in _check(task).problems], ensure_ascii=False)


def test_validate_without_spacy_names_the_extra(tmp_path: Path) -> None:
    """spaCy blocked and an empty segmentation cache (a scoring install): the validator still
    imports, and `nkru validate` ends with the extra to install, exit 2, no traceback."""
    code = (
        "import sys; sys.modules['spacy'] = None\nfrom nkru.app.cli import app\napp(['validate'])\n"
    )
    env = {**os.environ, "NKRU_CACHE": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "pip install 'nkru[baselines]'" in " ".join(done.stderr.split())
