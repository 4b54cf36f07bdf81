"""The fast validation paths against the detailed ones, on random (often broken) records."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from pathlib import Path

import pytest

from nkru.eval.api import Options, load_gold, score
from nkru.eval.gold import GoldSet, build_gold
from nkru.eval.jsonl import blocks, read_jsonl
from nkru.eval.problems import ProblemLog, ValidationFailed
from nkru.eval.run import make_parser
from nkru.eval.validate import FlatExample
from nkru.schema import ENTITY_LABELS
from nkru.tasks import TASKS

NER = TASKS["ner"]

LABELS = sorted(ENTITY_LABELS)
ODD = (True, 1.0, "3", None, -1, 2**31, 2**40, [], {})


def entity(rnd: random.Random, position: int, text_len: int, broken: bool) -> object:
    start = position + rnd.randint(0, 3)
    ent: dict[str, object] = {
        "start": start,
        "end": start + rnd.randint(1, 4),
        "label": rnd.choice(LABELS),
    }
    if rnd.random() < 0.2:
        ent["text"] = "x"
    if broken:
        roll = rnd.randrange(8)
        if roll == 0:
            ent[rnd.choice(["start", "end", "label"])] = rnd.choice(ODD)
        elif roll == 1:
            del ent[rnd.choice(["start", "end", "label"])]
        elif roll == 2:
            ent["end"] = start - rnd.randint(0, 2)
        elif roll == 3:
            ent["end"] = text_len + rnd.randint(1, 3)
        elif roll == 4:
            ent["label"] = "NOPE"
        elif roll == 5:
            ent["extra"] = 1
        elif roll == 6:
            return rnd.choice(ODD)
        else:
            ent["start"] = max(0, start - 6)  # may overlap the previous entity
    return ent


def record(rnd: random.Random, i: int, broken: float) -> object:
    text_len = rnd.randint(5, 60)
    ents, position = [], 0
    while position < text_len - 8 and rnd.random() < 0.7:
        ent = entity(rnd, position, text_len, rnd.random() < broken)
        ents.append(ent)
        position = ent["end"] if isinstance(ent, dict) and type(ent.get("end")) is int else 0
    if rnd.random() < 0.3:
        rnd.shuffle(ents)
    rec: dict[str, object] = {"id": f"r{i}", "entities": ents}
    if rnd.random() < 0.8:
        rec["text"] = "a" * text_len
    if rnd.random() < 0.5:
        rec["document_id"] = f"d{i // 4}"
    if rnd.random() < broken:
        roll = rnd.randrange(7)
        if roll == 0:
            rec["id"] = rnd.choice((*ODD, "", f"r{max(0, i - 1)}"))
        elif roll == 1:
            del rec["id"]
        elif roll == 2:
            rec["entities"] = rnd.choice(ODD)
        elif roll == 3:
            rec["surprise"] = 1
        elif roll == 4:
            rec[rnd.choice(["text", "document_id"])] = rnd.choice(ODD)
        elif roll == 5:
            del rec["entities"]
        else:
            return rnd.choice(ODD)
    return rec


def records(seed: int, n: int, broken: float) -> list[object]:
    rnd = random.Random(seed)
    return [record(rnd, i, broken) for i in range(n)]


@pytest.mark.parametrize("seed", range(6))
def test_fast_entity_checks_agree_with_the_detailed_checks(seed: int) -> None:
    """A record the fast checks accept (alone or in a chunk) is one on which the detailed
    checks log nothing and give the same payload."""
    parser = make_parser(NER)
    objs = [r for r in records(seed, 400, 0.15) if isinstance(r, dict)]
    lens = [len(r["text"]) if type(r.get("text")) is str else None for r in objs]
    alone = [
        bool(parser.fast_entity_chunk([o], [n]).ok[0]) for o, n in zip(objs, lens, strict=True)
    ]
    clean = [i for i, ok in enumerate(alone) if ok]
    chunk = parser.fast_entity_chunk([objs[i] for i in clean], [lens[i] for i in clean])
    assert chunk.ok.all()
    flat = iter(zip(chunk.starts.tolist(), chunk.ends.tolist(), chunk.ids.tolist(), strict=True))
    for i, ok in enumerate(alone):
        log = ProblemLog("f")
        detailed = parser.payload(objs[i], 1, log, lens[i])
        if ok:
            assert not log.problems
            fast = [next(flat) for _ in range(len(detailed))]
            assert detailed == [(s, e, parser.label_names[k]) for s, e, k in fast]
    assert 0 < len(clean) < len(objs)
    assert not parser.fast_entity_chunk(objs, lens).ok.any()  # a broken entity refuses all


def _write(path: Path, objs: list[object], rnd: random.Random) -> None:
    lines = [json.dumps(o) for o in objs]
    for _ in range(3):  # blank, bad JSON, huge integer lines, anywhere
        lines.insert(rnd.randrange(len(lines) + 1), rnd.choice(["", "{bad", '{"id": 1' + "0" * 20]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("seed", range(4))
def test_block_reader_equals_line_reader(tmp_path: Path, seed: int) -> None:
    rnd = random.Random(seed)
    path = tmp_path / "x.jsonl"
    _write(path, records(seed, 700, 0.05), rnd)
    log_a, log_b = ProblemLog("x"), ProblemLog("x")
    lines = list(read_jsonl(path, log_a))
    reader = blocks(read_jsonl(path, log_b), log_b, 64, lambda raws: None)
    read = [item for block in reader for buffer in block.buffers() for item in buffer]
    assert lines == read
    assert log_a.problems == log_b.problems and log_a.problems


def _detailed_gold(objs: list[object]) -> tuple[list[tuple], list]:
    """Gold through the detailed path only (one record at a time, never chunked)."""
    from nkru.eval.gold import _GoldBuilder

    log = ProblemLog("<gold>")
    builder = _GoldBuilder(log, make_parser(NER))
    for line, obj in enumerate(objs, start=1):
        builder.add(line, obj)
    return [_fields(ex) for ex in builder.examples], log.problems


def _fields(ex: object) -> tuple:
    return (ex.id, ex.line, ex.document_id, ex.payload, ex.text_len, ex.tokens)


@pytest.mark.parametrize(("seed", "broken"), [(0, 0.0), (1, 0.01), (2, 0.1), (3, 0.3)])
def test_fast_gold_equals_detailed_gold(seed: int, broken: float) -> None:
    objs = records(seed, 1500, broken)
    expected, problems = _detailed_gold(objs)
    log = ProblemLog("<gold>")
    lines = enumerate(objs, start=1)
    try:
        gold = build_gold(NER, lines, log, make_parser(NER))
    except ValidationFailed as err:
        assert err.problems == problems and problems
        return
    assert not [p for p in problems if p.severity == "error"]
    assert [_fields(ex) for ex in gold.examples] == expected
    assert gold.warnings == problems
    assert any(isinstance(ex, FlatExample) for ex in gold.examples)


@pytest.mark.parametrize(("seed", "broken"), [(0, 0.0), (1, 0.0), (2, 0.02), (3, 0.2)])
def test_fast_scoring_equals_detailed_scoring(tmp_path: Path, seed: int, broken: float) -> None:
    """Predictions through the file readers and fast paths, against one record at a time."""

    gold_objs = records(100 + seed, 900, 0.0)
    gold_path = tmp_path / "gold.jsonl"
    gold_path.write_text("".join(json.dumps(o) + "\n" for o in gold_objs), encoding="utf-8")
    gold = load_gold("ner", gold_path)
    rnd = random.Random(seed)
    preds = records(seed, 900, broken)
    rnd.shuffle(preds)
    pred_path = tmp_path / "pred.jsonl"
    pred_path.write_text("".join(json.dumps(o) + "\n" for o in preds), encoding="utf-8")
    log = ProblemLog(str(pred_path))
    _assert_scored_like_line_by_line(gold, pred_path, enumerate(preds, start=1), log)


def _assert_scored_like_line_by_line(
    gold: GoldSet, pred_path: Path, lines: Iterable[tuple[int, object]], log: ProblemLog
) -> None:
    """``score`` on the file ``pred_path`` equals the detailed checks and ``NerScorer.add`` run on
    its numbered ``lines`` one at a time: the same scores, or the same problems."""
    from nkru.eval.ner import NerScorer

    parser = make_parser(NER)
    scorer = NerScorer()
    by_id: dict[str, object] = {}
    for line, obj in lines:
        rid = parser.record_id(obj, line, log)
        if rid is None:
            continue
        position = gold.index.get(rid)
        if position is None:
            log.error(line, "id", "unknown", "unknown_id")
        elif rid in by_id:
            log.error(line, "id", "duplicate", "duplicate_id")
            continue
        else:
            by_id[rid] = None
        text_len = gold.examples[position].text_len if position is not None else None
        payload = parser.payload(obj, line, log, text_len)
        if position is not None:
            by_id[rid] = payload
    try:
        report = score(
            gold.task, gold, pred_path, Options(bootstrap=0, allow_missing=True)
        ).to_dict()
    except ValidationFailed as err:
        assert log.errors
        assert [(p.line, p.field, p.kind) for p in err.problems] == [
            (p.line, p.field, p.kind) for p in log.problems
        ]
        return
    assert not log.errors
    for ex in gold.examples:
        scorer.add(ex, by_id.get(ex.id))
    assert report["counts"] == scorer.results()["counts"]
    assert report["per_type"] == scorer.results()["per_type"]


# Lines on which a typed JSON decoder and the standard library may disagree: invalid UTF-8
# in a value the typed decoder skips, NaN/1e999, integers beyond 64 bits, lone surrogates,
# duplicate keys, a byte-order mark, deep nesting, non-ASCII text. First the valid ones.
def _special_lines(rid: str) -> list[bytes]:
    r = rid.encode()
    ent = b'{"start": 0, "end": 2, "label": "PER"'
    return [
        b'{"id": "%s", "entities": [], "tokens": NaN, "ner_tags": 1e999}' % r,
        b'{"id": "%s", "entities": [%s, "text": [1, {"a": null}]}]}' % (r, ent),
        b'{"id": "x", "id": "%s", "entities": []}' % r,
        b'{"id": "%s", "entities": [], "text": "d\xc3\xa9j\xc3\xa0 vu", "doc_start": -1}' % r,
        b'{"id": "%s\\ud800", "entities": []}' % r,
        # invalid
        b'{"id": "%s", "entities": [], "tokens": ["\xff"]}' % r,
        b'{"id": "%s", "entities": [{"start": 0, "end": 123456789012345678901, "label": "PER"}]}'
        % r,
        b'{"id": "%s", "entities": [%s, "start": 2}]}' % (r, ent),
        b'\xef\xbb\xbf{"id": "%s", "entities": []}' % r,
        b'{"id": "%s", "entities": [], "tokens": %s1%s}' % (r, b"[" * 3000, b"]" * 3000),
    ]


VALID_SPECIALS = 5


def test_typed_decoder_accepts_only_what_the_standard_library_reads_alike() -> None:
    from nkru.eval.ner_block import decode_ner_block

    parser = make_parser(NER)
    for i, raw in enumerate(_special_lines("r1")):
        block = decode_ner_block([raw], parser)
        if block is not None:
            block.chunk.check(block.text_lens)
        if block is None or not block.chunk.ok.all():
            continue
        assert i < VALID_SPECIALS, raw
        obj = json.loads(raw.decode("utf-8"))
        assert block.ids == [obj["id"]]
        assert block.chunk.starts.tolist() == [e["start"] for e in obj["entities"]]
        assert block.chunk.ends.tolist() == [e["end"] for e in obj["entities"]]
        assert block.text_lens == [len(obj["text"]) if "text" in obj else None]
    clean = [json.dumps(o).encode() + b"\n" for o in records(0, 50, 0.0)]
    block = decode_ner_block(clean, parser)
    assert block is not None and len(block.ids) == 50


def _write_with_specials(
    path: Path, objs: list[object], rnd: random.Random, ids: list[str], valid_only: bool
) -> None:
    lines = [json.dumps(o).encode() for o in objs]
    for rid in ids:
        specials = _special_lines(rid)
        special = rnd.choice(specials[:VALID_SPECIALS] if valid_only else specials)
        lines.insert(rnd.randrange(len(lines) + 1), special)
    path.write_bytes(b"\n".join(lines) + b"\n")


@pytest.mark.parametrize("seed", range(12))
def test_typed_block_reader_equals_line_by_line_checks(tmp_path: Path, seed: int) -> None:
    """Gold files through the typed fast path and one line at a time give the same result."""
    from nkru.eval.gold import _GoldBuilder

    rnd = random.Random(seed)
    objs = records(seed, 800, 0.0 if seed % 2 else 0.02)
    path = tmp_path / "gold.jsonl"
    # New ids (800 up) in most runs, ids already used in some.
    ids = [f"r{i}" for i in rnd.sample(range(800 if seed % 4 else 0, 900), 6)]
    _write_with_specials(path, objs, rnd, ids, valid_only=seed % 2 == 1)
    log = ProblemLog(str(path))
    builder = _GoldBuilder(log, make_parser(NER))
    for line, obj in read_jsonl(path, log):
        builder.add(line, obj)
    try:
        gold = load_gold("ner", path)
    except ValidationFailed as err:
        assert err.problems == log.problems and log.errors
        return
    assert not log.errors
    assert [_fields(ex) for ex in gold.examples] == [_fields(ex) for ex in builder.examples]
    assert gold.warnings == log.problems


@pytest.mark.parametrize("seed", range(8))
def test_typed_block_scoring_equals_line_by_line_scoring(tmp_path: Path, seed: int) -> None:
    """Predictions with special lines: the typed fast path scores or rejects as the
    standard-library reader and the detailed checks do, one record at a time."""

    gold_objs = records(200 + seed, 600, 0.0)
    gold_path = tmp_path / "gold.jsonl"
    gold_path.write_text("".join(json.dumps(o) + "\n" for o in gold_objs), encoding="utf-8")
    gold = load_gold("ner", gold_path)
    rnd = random.Random(seed)
    preds = records(seed, 600, 0.0)
    rnd.shuffle(preds)
    # Half the runs drop the records whose ids the special lines reuse, so those lines are
    # the only prediction for their id and may be scored.
    reused = [f"r{i}" for i in rnd.sample(range(600), 6)]
    if seed % 2:
        preds = [p for p in preds if p["id"] not in reused]
    pred_path = tmp_path / "pred.jsonl"
    _write_with_specials(pred_path, preds, rnd, reused, valid_only=seed % 4 < 2)
    log = ProblemLog(str(pred_path))
    _assert_scored_like_line_by_line(gold, pred_path, read_jsonl(pred_path, log), log)
