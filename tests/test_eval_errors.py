"""Error listing (``nkru eval --errors``, ``nkru.eval.errors``): each planted mistake is listed
once with its kind; the NER categories agree with nervaluate's counts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nervaluate import Evaluator

from nkru.eval import Options, errors, errors_frame
from nkru.eval.errors import COLUMNS, Error, marked
from nkru.eval.gold import gold_from_rows, read_split
from nkru.eval.kinds import kind_of
from nkru.paths import data_dir
from nkru.tasks import LABELLED_SPANS, TASKS

NER = TASKS["ner"]


def run_nkru(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed ``nkru`` command, as a user runs it."""
    command = [str(Path(sys.executable).parent / "nkru"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def _test_rows(task: str = "ner") -> list[dict]:
    return gold_from_rows(TASKS[task], read_split(TASKS[task], "test", data_dir()))


def _other_label(label: str) -> str:
    return next(name for name in NER.labels if name != label)


def _planted_ner(rows: list[dict]) -> tuple[list[dict], set[tuple]]:
    """The gold of ``rows`` as predictions with one mistake of each kind planted in the first
    sentences that allow it; returns the predictions and the expected (id, kind, gold start,
    predicted start) of every error."""
    predictions = [{"id": r["id"], "entities": [dict(e) for e in r["entities"]]} for r in rows]
    expected: set[tuple] = set()
    plans = ["missed", "wrong label", "wrong boundary", "wrong label and boundary", "spurious"]
    for row, pred in zip(rows, predictions, strict=True):
        if not plans:
            break
        entities = pred["entities"]
        kind = plans[0]
        if kind == "spurious":
            covered = {i for e in entities for i in range(e["start"], e["end"])}
            free = [
                (s, e)
                for s, e in zip(row["token_starts"], row["token_ends"], strict=True)
                if not covered & set(range(s, e))
            ]
            if not free:
                continue
            start, end = free[0]
            entities.append({"start": start, "end": end, "label": NER.labels[0]})
            expected.add((row["id"], kind, None, start))
        else:
            wide = [e for e in entities if e["end"] - e["start"] > 1]
            if not wide:
                continue
            entity = wide[0]
            start = entity["start"]
            if kind == "missed":
                entities.remove(entity)
                expected.add((row["id"], kind, start, None))
            else:
                if "boundary" in kind:
                    entity["end"] -= 1
                if "label" in kind:
                    entity["label"] = _other_label(entity["label"])
                expected.add((row["id"], kind, start, start))
        plans.pop(0)
    assert not plans, f"the test split has no sentence for {plans}"
    return predictions, expected


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def _key(frame: pd.DataFrame) -> set[tuple]:
    def value(v: object) -> object:
        return None if pd.isna(v) else int(v)  # type: ignore[arg-type]

    return {
        (r.id, r.kind, value(r.gold_start), value(r.predicted_start))
        for r in frame.itertuples(index=False)
    }


def test_cli_lists_exactly_the_planted_ner_mistakes(tmp_path: Path) -> None:
    rows = _test_rows()
    predictions, expected = _planted_ner(rows)
    path = _write_jsonl(tmp_path / "preds.jsonl", predictions)
    out = tmp_path / "e.csv"
    result = run_nkru("eval", "ner", str(path), "--split", "test", "--errors", str(out))
    assert result.returncode == 0, result.stderr
    assert f"{len(expected)} error(s) listed in {out}" in result.stderr
    frame = pd.read_csv(out, dtype={"id": str, "document_id": str})
    assert tuple(frame.columns) == COLUMNS
    assert _key(frame) == expected
    by_id = {r["id"]: r for r in rows}
    for row in frame.itertuples(index=False):
        text = by_id[row.id]["text"]
        if not pd.isna(row.gold_start):
            assert row.gold_text == text[int(row.gold_start) : int(row.gold_end)]
            assert "[[" + row.gold_text + "]]" in row.context.replace("{{", "").replace("}}", "")
        assert row.document_id == by_id[row.id]["document_id"]


def test_api_frame_equals_the_csv_and_is_deterministic(tmp_path: Path) -> None:
    rows = _test_rows()
    predictions, _ = _planted_ner(rows)
    first = errors("ner", rows, predictions, Options(bootstrap=0))
    assert first == errors("ner", rows, list(reversed(predictions)), Options(bootstrap=0))
    frame = errors_frame("ner", rows, predictions, Options(bootstrap=0))
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) == len(first)
    assert frame["kind"].tolist() == [e.kind for e in first]


def test_invalid_predictions_are_refused_not_listed(tmp_path: Path) -> None:
    rows = _test_rows()
    bad = [{"id": rows[0]["id"], "entities": [{"start": 0, "end": 1}]}]
    path = _write_jsonl(tmp_path / "bad.jsonl", bad)
    out = tmp_path / "e.csv"
    result = run_nkru(
        "eval", "ner", str(path), "--split", "test", "--allow-missing", "--errors", str(out)
    )
    assert result.returncode == 2
    assert "label" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_scoring_without_errors_does_not_import_pandas(tmp_path: Path) -> None:
    rows = _test_rows()[:5]
    gold = _write_jsonl(tmp_path / "gold.jsonl", rows)
    code = (
        "import sys\nfrom pathlib import Path\nfrom nkru.eval import score, Options\n"
        f"score('ner', Path({str(gold)!r}), Path({str(gold)!r}), Options(bootstrap=10))\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- the other kinds on small records -------------------------------------------------------

TEXT = "Selon Kiev, 10 000 soldats, dit-il, sont arrivés."


def _tokens(text: str) -> tuple[list[int], list[int]]:
    starts, ends, at = [], [], 0
    for word in text.split(" "):
        starts.append(at)
        ends.append(at + len(word))
        at += len(word) + 1
    return starts, ends


def test_claims_missed_spurious_and_partial() -> None:
    starts, ends = _tokens(TEXT)
    gold = [
        {
            "id": "s1",
            "document_id": "d",
            "text": TEXT,
            "token_starts": starts,
            "token_ends": ends,
            "claims": [{"start": 12, "end": 26}],
        },
        {
            "id": "s2",
            "document_id": "d",
            "text": TEXT,
            "token_starts": starts,
            "token_ends": ends,
            "claims": [{"start": 12, "end": 26}],
        },
        {
            "id": "s3",
            "document_id": "d",
            "text": TEXT,
            "token_starts": starts,
            "token_ends": ends,
            "claims": [],
        },
    ]
    pred = [
        {"id": "s1", "claims": [{"start": 12, "end": 18}]},  # "10 000" of "10 000 soldats,"
        {"id": "s2", "claims": []},
        {"id": "s3", "claims": [{"start": 0, "end": 10}]},
    ]
    found = errors("claims", gold, pred, Options(bootstrap=0))
    assert [(e.id, e.kind) for e in found] == [
        ("s1", "partial"),
        ("s2", "missed"),
        ("s3", "spurious"),
    ]
    assert found[0].context == "Selon Kiev, [[{{10 000}} soldats]], dit-il, sont arrivés."


def test_pairs_missed_spurious_and_wrong_stance() -> None:
    source, claim = {"start": 6, "end": 10}, {"start": 12, "end": 26}
    other = {"start": 28, "end": 34}
    gold = [
        {
            "id": "d",
            "document_id": "d",
            "text": TEXT,
            "sentences": [{"start": 0, "end": len(TEXT)}],
            "pairs": [
                {"source": source, "claim": claim, "label": "support"},
                {"source": other, "claim": claim, "label": "support"},
            ],
        }
    ]
    pred = [
        {
            "id": "d",
            "pairs": [
                {"source": source, "claim": claim, "label": "deny"},
                {"source": source, "claim": {"start": 37, "end": 49}, "label": "support"},
            ],
        }
    ]
    found = errors("attribution", gold, pred, Options(bootstrap=0))
    assert sorted((e.kind, e.gold_label, e.predicted_label) for e in found) == [
        ("missed", "support", None),
        ("spurious", None, "support"),
        ("wrong stance", "support", "deny"),
    ]
    wrong = next(e for e in found if e.kind == "wrong stance")
    assert wrong.gold_text == "Kiev → 10 000 soldats"


@pytest.mark.parametrize(
    ("task", "kind"), [("certainty", "wrong label"), ("normalization", "wrong value")]
)
def test_classification_and_value_rows(task: str, kind: str) -> None:
    rows = _test_rows(task)
    payload = TASKS[task].payload
    labels = sorted({str(r[payload]) for r in rows})
    flipped = {rows[0]["id"]}
    pred = [
        {
            "id": r["id"],
            payload: (
                next(v for v in [*labels, "autre"] if v != r[payload])
                if r["id"] in flipped
                else r[payload]
            ),
        }
        for r in rows
    ]
    found = errors(task, rows, pred, Options(bootstrap=0))
    assert [(e.id, e.kind, e.gold_label) for e in found] == [
        (rows[0]["id"], kind, str(rows[0][payload]))
    ]
    assert "[[" in found[0].context


def test_marked_touching_and_nested_spans() -> None:
    assert marked("abcdef", [(0, 2, ("[[", "]]")), (2, 4, ("{{", "}}"))]) == "[[ab]]{{cd}}ef"
    assert marked("abcdef", [(1, 5, ("[[", "]]")), (2, 3, ("{{", "}}"))]) == "a[[b{{c}}de]]f"


# -- NER categories against nervaluate --------------------------------------------------------

LABELS = ("PER", "LOC")


@st.composite
def _entities(draw: st.DrawFn) -> list[tuple[int, int, str]]:
    """Non-overlapping entities on a 30-character text."""
    cuts = sorted(draw(st.sets(st.integers(0, 30), max_size=10)))
    spans = [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if a < b]
    return [(a, b, draw(st.sampled_from(LABELS))) for a, b in spans]


def _nervaluate(gold: list, pred: list) -> tuple[object, object]:
    """nervaluate's strict result and indices; a first document with one correct entity in
    both (nervaluate cannot load an empty first document) adds one correct match."""
    anchor = [{"label": "PER", "start": 100, "end": 100}]

    def as_dicts(entities: list) -> list[list[dict]]:
        return [anchor, [{"label": lab, "start": s, "end": e - 1} for s, e, lab in entities]]

    results = Evaluator(as_dicts(gold), as_dicts(pred), tags=list(LABELS)).evaluate()
    return results["overall"]["strict"], results["overall_indices"]["strict"]


@settings(max_examples=300, deadline=None)
@given(gold=_entities(), pred=_entities())
def test_ner_categories_agree_with_nervaluate(gold: list, pred: list) -> None:
    from nkru.eval.validate import Example

    example = Example("s", 1, "d", gold, 30)
    found = kind_of(LABELLED_SPANS).list_errors([(example, {"text": "x" * 30})], {"s": pred})
    strict, indices = _nervaluate(gold, pred)
    missed = sorted((e.gold_start, e.gold_end) for e in found if e.kind == "missed")
    spurious = sorted((e.predicted_start, e.predicted_end) for e in found if e.kind == "spurious")
    wrong = [e for e in found if e.kind not in ("missed", "spurious")]
    assert missed == sorted(gold[i][:2] for d, i in indices.missed_indices if d == 1)
    assert spurious == sorted(pred[i][:2] for d, i in indices.spurious_indices if d == 1)
    assert sorted((e.predicted_start, e.predicted_end) for e in wrong) == sorted(
        pred[i][:2] for d, i in indices.incorrect_indices if d == 1
    )
    assert strict.correct - 1 == len(pred) - len(wrong) - len(spurious)
    for e in wrong:
        same_bounds = (e.gold_start, e.gold_end) == (e.predicted_start, e.predicted_end)
        same_label = e.gold_label == e.predicted_label
        assert (
            e.kind
            == {
                (True, False): "wrong label",
                (False, True): "wrong boundary",
                (False, False): "wrong label and boundary",
            }[(same_bounds, same_label)]
        )
    assert all(isinstance(e, Error) for e in found)


def test_entity_confusion_counts_every_entity_once() -> None:
    from nkru.eval.api import entity_confusion

    rows = _test_rows()
    predictions, expected = _planted_ner(rows)
    confusion = entity_confusion("ner", rows, predictions, Options(bootstrap=0))
    labels, matrix = confusion["labels"], confusion["matrix"]
    assert labels[-1] == "O"
    gold_total = sum(len(r["entities"]) for r in rows)
    pred_total = sum(len(p["entities"]) for p in predictions)
    assert sum(sum(row) for row in matrix[:-1]) == gold_total  # every gold entity in one row
    assert sum(row[j] for row in matrix for j in range(len(labels) - 1)) == pred_total
    planted = {kind for _, kind, _, _ in expected}
    off_diagonal = sum(
        matrix[i][j] for i in range(len(labels) - 1) for j in range(len(labels) - 1) if i != j
    )
    label_errors = len(planted & {"wrong label", "wrong label and boundary"})
    assert off_diagonal == label_errors
    assert matrix[-1][-1] == 0
    with pytest.raises(ValueError, match="no entity types"):
        entity_confusion("claims", [], [], Options(bootstrap=0))


def test_predictions_parsed_once_serve_both_analyses(tmp_path: Path) -> None:
    """``parse_predictions`` validates once; errors and the confusion matrix read its result
    as they read the file."""
    from nkru.eval.api import entity_confusion, load_gold, parse_predictions

    rows = _test_rows()
    predictions, expected = _planted_ner(rows)
    path = _write_jsonl(tmp_path / "preds.jsonl", predictions)
    gold = load_gold("ner", records=rows)
    options = Options(bootstrap=0)
    parsed = parse_predictions("ner", gold, path, options)
    assert parsed.gold is gold and set(parsed.payloads) == {p["id"] for p in predictions}
    listed = errors("ner", gold, parsed, options)
    assert listed == errors("ner", gold, path, options) and len(listed) == len(expected)
    assert entity_confusion("ner", gold, parsed, options) == entity_confusion(
        "ner", gold, path, options
    )
