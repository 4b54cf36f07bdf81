"""Baselines (nkru.baselines): every system fits and predicts valid, reproducible predictions.

The rows are synthetic, built here in the dataset's row schemas from hand-written French
sentences (three documents: s01 and s02 train, s03 test); data/ is not needed.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from nkru.app.benchmark.fits import plan
from nkru.app.benchmark.isolation import Fit, run_fit
from nkru.app.benchmark.runs import write_jsonl as write_predictions
from nkru.baselines import nlp
from nkru.baselines.attribution import AttributionPairs, source_candidates
from nkru.baselines.bio import bio_tags, repair_bio, spans_from_bio
from nkru.baselines.claims import claim_span
from nkru.baselines.io import by_document, label_name
from nkru.baselines.ner import Gazetteer, NerTagger
from nkru.baselines.nlp import analyse
from nkru.baselines.protocol import NotFittedError, System
from nkru.baselines.registry import UnknownSystem, baselines, create, references, systems
from nkru.eval.jsonl import read_jsonl
from nkru.eval.problems import ProblemLog
from nkru.schema import (
    ENTITY_LABELS,
    NER_TAGS,
    SPACY_DROPPED,
    SPACY_LABEL_MAP,
    SPACY_LABELS,
    STANCE_LABELS,
    VALUED_LABELS,
    valid_value,
)
from nkru.tasks import TASKS, strip_rows

# --- a small synthetic corpus --------------------------------------------------------------------
# (sentence, entities [(surface, label, value)], claim, (source, stance) | None, certainty, topic)
DOCS: dict[str, tuple[str, list[tuple]]] = {
    "s01": (
        "2024-10-25",
        [
            (
                "Selon le Pentagone, environ 10 000 soldats nord-coréens sont déployés en Russie.",
                [
                    ("Pentagone", "ORG"),
                    ("environ 10 000", "QUANTITY", "~10000"),
                    ("nord-coréens", "NORP"),
                    ("Russie", "GPE"),
                ],
                "environ 10 000 soldats nord-coréens sont déployés en Russie",
                ("le Pentagone", "support"),
                "asserted",
                "troops",
            ),
            (
                "Lloyd Austin a confirmé jeudi 24 octobre que des troupes de la Corée du Nord se "
                "trouvaient dans la région de Koursk.",
                [
                    ("Lloyd Austin", "PER"),
                    ("jeudi 24 octobre", "DATE", "2024-10-24"),
                    ("Corée du Nord", "GPE"),
                    ("Koursk", "GPE"),
                ],
                "des troupes de la Corée du Nord se trouvaient dans la région de Koursk",
                ("Lloyd Austin", "support"),
                "asserted",
                "troops",
            ),
            (
                "Le Kremlin a démenti samedi dernier que des soldats nord-coréens combattaient en "
                "Ukraine.",
                [
                    ("Kremlin", "ORG"),
                    ("samedi dernier", "DATE", "2024-10-19"),
                    ("nord-coréens", "NORP"),
                    ("Ukraine", "GPE"),
                ],
                "des soldats nord-coréens combattaient en Ukraine",
                ("Le Kremlin", "deny"),
                "asserted",
                "troops",
            ),
            (
                "Cette alliance inquiète profondément les dirigeants européens.",
                [("européens", "NORP")],
                None,
                None,
                None,
                None,
            ),
            (
                "Pyongyang aurait livré plus de 3 millions d'obus à Moscou depuis 2023.",
                [
                    ("Pyongyang", "GPE"),
                    ("plus de 3 millions", "QUANTITY", ">3000000"),
                    ("Moscou", "GPE"),
                    ("2023", "DATE", "2023"),
                ],
                "Pyongyang aurait livré plus de 3 millions d'obus à Moscou depuis 2023",
                None,
                "hedged",
                "weapons",
            ),
            ("Il faut espérer que la paix revienne rapidement.", [], None, None, None, None),
        ],
    ),
    "s02": (
        "2024-11-04",
        [
            (
                "D'après les services sud-coréens, Pyongyang a envoyé des missiles KN23 "
                "à la Russie.",
                [
                    ("sud-coréens", "NORP"),
                    ("Pyongyang", "GPE"),
                    ("KN23", "WEAPON"),
                    ("Russie", "GPE"),
                ],
                "Pyongyang a envoyé des missiles KN23 à la Russie",
                ("les services sud-coréens", "support"),
                "asserted",
                "weapons",
            ),
            (
                "Dmitri Peskov a nié la présence de militaires nord-coréens sur le front.",
                [("Dmitri Peskov", "PER"), ("nord-coréens", "NORP")],
                "la présence de militaires nord-coréens sur le front",
                ("Dmitri Peskov", "deny"),
                "asserted",
                "troops",
            ),
            (
                "Moscou aurait versé 9 millions de dollars à la Corée du Nord le 25 octobre 2024.",
                [
                    ("Moscou", "GPE"),
                    ("9 millions de dollars", "MONEY", "9000000 USD"),
                    ("Corée du Nord", "GPE"),
                    ("25 octobre 2024", "DATE", "2024-10-25"),
                ],
                "Moscou aurait versé 9 millions de dollars à la Corée du Nord le 25 octobre 2024",
                None,
                "hedged",
                "russian_aid",
            ),
            (
                "Le traité de partenariat stratégique a été signé à Pyongyang en juin 2024.",
                [("Pyongyang", "GPE"), ("juin 2024", "DATE", "2024-06")],
                "Le traité de partenariat stratégique a été signé à Pyongyang en juin 2024",
                None,
                "asserted",
                "treaty",
            ),
            (
                "Les experts de l'OTAN doutent que ces soldats soient bien entraînés.",
                [("OTAN", "ORG")],
                "ces soldats soient bien entraînés",
                ("Les experts de l'OTAN", "query"),
                "hedged",
                "troops",
            ),
            (
                "Cette coopération est une très mauvaise nouvelle pour la région.",
                [],
                None,
                None,
                None,
                None,
            ),
        ],
    ),
    "s03": (
        "2024-12-02",
        [
            (
                "Selon Kiev, près de trois millions d'obus ont été expédiés sur 7 000 kilomètres.",
                [
                    ("Kiev", "GPE"),
                    ("près de trois millions", "QUANTITY", "~3000000"),
                    ("7 000 kilomètres", "QUANTITY", "7000 km"),
                ],
                "près de trois millions d'obus ont été expédiés sur 7 000 kilomètres",
                ("Kiev", "support"),
                "asserted",
                "weapons",
            ),
            (
                "Le Conseil de sécurité de l'ONU a adopté la résolution 2397 en 2017.",
                [
                    ("Conseil de sécurité de l'ONU", "ORG"),
                    ("résolution 2397", "LAW"),
                    ("2017", "DATE", "2017"),
                ],
                "Le Conseil de sécurité de l'ONU a adopté la résolution 2397 en 2017",
                None,
                "asserted",
                "sanctions",
            ),
            (
                "Kim Jong-un a affirmé que les exportations d'armes avaient augmenté de 15 %.",
                [("Kim Jong-un", "PER"), ("15 %", "QUANTITY", "15 %")],
                "les exportations d'armes avaient augmenté de 15 %",
                ("Kim Jong-un", "support"),
                "asserted",
                "weapons",
            ),
            (
                "La Maison Blanche a démenti que Washington avait livré des armes à Séoul.",
                [("Maison Blanche", "ORG"), ("Washington", "GPE"), ("Séoul", "GPE")],
                "Washington avait livré des armes à Séoul",
                ("La Maison Blanche", "deny"),
                "asserted",
                "region",
            ),
            ("Nous pensons que cette guerre durera encore longtemps.", [], None, None, None, None),
            (
                "La guerre de Corée (1950-1953) s'est terminée sans traité de paix.",
                [("guerre de Corée", "EVENT"), ("1950-1953", "DATE", "1950/1953")],
                "La guerre de Corée (1950-1953) s'est terminée sans traité de paix",
                None,
                "asserted",
                "korea",
            ),
        ],
    ),
}
TRAIN_DOCS, TEST_DOCS = ("s01", "s02"), ("s03",)
_TOKEN = re.compile(r"\w+|[^\w\s]")


def _find(text: str, surface: str, start: int = 0) -> tuple[int, int]:
    position = text.index(surface, start)
    return position, position + len(surface)


def build_rows() -> dict[str, list[dict]]:
    """Rows of every task config for the synthetic documents."""
    rows: dict[str, list[dict]] = {task: [] for task in TASKS}
    for doc_id, (date, sentences) in DOCS.items():
        doc_text = "\n".join(s[0] for s in sentences)
        offset = 0
        doc_sources, doc_claims, doc_pairs, doc_sentences = [], [], [], []
        n_pair = n_claim = n_value = 0
        for i, (text, entities, claim, source, certainty, topic) in enumerate(sentences):
            tokens = [m.span() for m in _TOKEN.finditer(text)]
            base = {
                "id": f"{doc_id}-s{i:03d}",
                "document_id": doc_id,
                "text": text,
                "doc_start": offset,
                "doc_end": offset + len(text),
                "tokens": [text[s:e] for s, e in tokens],
                "token_starts": [s for s, _ in tokens],
                "token_ends": [e for _, e in tokens],
            }
            ents = []
            for surface, label, *value in entities:
                s, e = _find(text, surface)
                ents.append(
                    {
                        "start": s,
                        "end": e,
                        "label": label,
                        "text": surface,
                        "value": value[0] if value else None,
                    }
                )
                if label in VALUED_LABELS:
                    n_value += 1
                    rows["normalization"].append(
                        {
                            "id": f"{doc_id}-e{n_value:02d}",
                            "document_id": doc_id,
                            "text": text,
                            "context_start": offset,
                            "start": s,
                            "end": e,
                            "mention": surface,
                            "entity_type": label,
                            "document_date": date,
                            "value": value[0],
                        }
                    )
            tags = bio_tags(tokens, ents)
            rows["ner"].append(
                {**base, "ner_tags": [NER_TAGS.index(t) for t in tags], "entities": ents}
            )
            claims = []
            if claim is not None:
                cs, ce = _find(text, claim)
                claims = [{"start": cs, "end": ce, "text": claim}]
                n_claim += 1
                doc_claims.append({"start": cs + offset, "end": ce + offset, "text": claim})
                for task, label in (("certainty", certainty), ("topic", topic)):
                    rows[task].append(
                        {
                            "id": f"{doc_id}-c{n_claim:02d}",
                            "document_id": doc_id,
                            "text": text,
                            "context_start": offset,
                            "claim_start": cs,
                            "claim_end": ce,
                            "claim_text": claim,
                            "label": TASKS[task].labels.index(label),
                        }
                    )
                if source is not None:
                    ss, se = _find(text, source[0])
                    n_pair += 1
                    doc_sources.append(
                        {"start": ss + offset, "end": se + offset, "text": source[0]}
                    )
                    doc_pairs.append(
                        {
                            "source_start": ss + offset,
                            "source_end": se + offset,
                            "claim_start": cs + offset,
                            "claim_end": ce + offset,
                            "stance": source[1],
                        }
                    )
                    rows["stance"].append(
                        {
                            "id": f"{doc_id}-r{n_pair:02d}",
                            "document_id": doc_id,
                            "text": text,
                            "context_start": offset,
                            "source_start": ss,
                            "source_end": se,
                            "claim_start": cs,
                            "claim_end": ce,
                            "source_text": source[0],
                            "claim_text": claim,
                            "label": STANCE_LABELS.index(source[1]),
                        }
                    )
            claim_tags = bio_tags(tokens, [{**c, "label": "CLAIM"} for c in claims])
            rows["claims"].append(
                {
                    **base,
                    "claim_tags": [0 if t == "O" else 1 + t.startswith("I") for t in claim_tags],
                    "claims": claims,
                    "has_claim": bool(claims),
                }
            )
            doc_sentences.append({"start": offset, "end": offset + len(text)})
            offset += len(text) + 1
        rows["attribution"].append(
            {
                "id": doc_id,
                "document_id": doc_id,
                "text": doc_text,
                "sentences": doc_sentences,
                "sources": doc_sources,
                "claims": doc_claims,
                "pairs": doc_pairs,
            }
        )
    return rows


ROWS = build_rows()


def split(task: str, documents: tuple[str, ...]) -> list[dict]:
    return [TASKS[task].decode(r) for r in ROWS[task] if r["document_id"] in documents]


def read_predictions(path: Path) -> list[dict]:
    return [obj for _, obj in read_jsonl(path, ProblemLog(str(path)))]


def inputs(task: str, documents: tuple[str, ...]) -> list[dict]:
    """The rows of ``documents`` as ``predict()`` sees them: the task's inputs only."""
    return strip_rows(TASKS[task], split(task, documents))


ALL_SYSTEMS = [(task, name) for task in TASKS for name in systems(task)]


# --- validity of predictions ---------------------------------------------------------------------


def _spans_ok(spans: list[dict], text: str) -> None:
    previous_end = -1
    for span in sorted(spans, key=lambda s: s["start"]):
        assert isinstance(span["start"], int) and isinstance(span["end"], int)
        assert 0 <= span["start"] < span["end"] <= len(text)
        assert span["start"] >= previous_end, f"overlap in {spans}"
        previous_end = span["end"]


def check_predictions(task: str, rows: list[dict], predictions: list[dict], labels=None) -> None:
    assert [p["id"] for p in predictions] == [r["id"] for r in rows]
    json.dumps(predictions)  # JSON-serialisable
    for row, prediction in zip(rows, predictions, strict=True):
        text = row["text"]
        if task == "ner":
            assert set(prediction) == {"id", "entities"}
            _spans_ok(prediction["entities"], text)
            for entity in prediction["entities"]:
                assert set(entity) == {"start", "end", "label"}
                assert entity["label"] in (labels or ENTITY_LABELS)
        elif task == "claims":
            assert set(prediction) == {"id", "claims"}
            _spans_ok(prediction["claims"], text)
            assert all(set(c) == {"start", "end"} for c in prediction["claims"])
        elif task == "attribution":
            assert set(prediction) == {"id", "pairs"}
            for pair in prediction["pairs"]:
                assert set(pair) == {"source", "claim", "label"}
                _spans_ok([pair["source"]], text)
                _spans_ok([pair["claim"]], text)
                assert pair["label"] in STANCE_LABELS
        elif task == "normalization":
            assert set(prediction) == {"id", "value"}
            assert valid_value(row["entity_type"], prediction["value"]), prediction
        else:
            assert set(prediction) == {"id", "label"}
            assert prediction["label"] in TASKS[task].labels


class _Looked(dict):
    """nkru.baselines.nlp's analysis cache, noting every text looked up in it."""

    def __init__(self) -> None:
        super().__init__()
        self.looked: set[str] = set()

    def __contains__(self, text: object) -> bool:
        self.looked.add(str(text))
        return super().__contains__(text)


@pytest.mark.parametrize(("task", "name"), ALL_SYSTEMS)
def test_every_system_fits_and_predicts_valid_scored_objects(
    task: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every built-in system fits and predicts valid objects, which the eval validator and
    scorer take, and reads spaCy analyses exactly when it says it ``parses`` (the benchmark
    parses the texts of those systems' rows once, in the parent, and of no others)."""
    from nkru.eval import api
    from nkru.eval.gold import gold_from_rows

    cache = _Looked()
    monkeypatch.setattr(nlp, "_CACHE", cache)
    system = create(task, name)
    assert system.task == task and system.name == name
    with pytest.raises(NotFittedError):
        system.predict(inputs(task, TEST_DOCS))
    test = split(task, TEST_DOCS)
    predictions = system.fit(split(task, TRAIN_DOCS)).predict(inputs(task, TEST_DOCS))
    check_predictions(task, test, predictions, SPACY_LABELS if name == "spacy" else None)
    label_map = TASKS[task].label_maps[system.label_map] if system.label_map else None
    options = api.Options(bootstrap=10, label_map=label_map)
    report = api.score(task, gold_from_rows(task, test), predictions, options).to_dict()
    assert 0.0 <= report["headline"]["value"] <= 1.0
    assert system.predict([]) == []
    assert bool(cache.looked) == getattr(system, "parses", False), name


@pytest.mark.parametrize("task", list(TASKS))
def test_a_system_that_copies_targets_gets_none_from_stripped_rows(task: str) -> None:
    """The cheater copies any target column it is shown: on whole rows it scores 1.0, on the
    rows predict() gets (inputs only) it finds nothing and predicts its fallback: no answer
    for the span and pair tasks, what the floor predicts for the others."""
    from cheating_system import ABSTAINS, Cheater

    from nkru.eval.api import Options, score
    from nkru.eval.gold import gold_from_rows

    train, test = split(task, TRAIN_DOCS), split(task, TEST_DOCS)
    gold = gold_from_rows(task, test)
    cheater = Cheater(task).fit(train)
    whole = score(task, gold, cheater.predict(test), Options(bootstrap=0)).to_dict()
    assert whole["headline"]["value"] == 1.0 and cheater.copied == len(test)
    stripped = cheater.predict(inputs(task, TEST_DOCS))
    assert cheater.copied == len(test)
    if TASKS[task].kind in ABSTAINS:
        payload = TASKS[task].payload
        assert stripped == [{"id": row["id"], payload: []} for row in test]
    else:
        floor = create(task, TASKS[task].floor).fit(train).predict(inputs(task, TEST_DOCS))
        assert stripped == floor


def test_registry_builds_every_declared_system() -> None:
    for task in TASKS.values():
        assert list(baselines(task)) == list(task.baselines) and task.baselines
        assert list(references(task)) == list(task.references) and task.floor in task.references
        for system in systems(task):
            assert create(task, system).name == system
    with pytest.raises(KeyError):
        create("ner", "no-such-system")
    with pytest.raises(UnknownSystem, match="kind classification"):
        baselines(replace(TASKS["stance"], name="other", baselines=("tfidf-logreg",)))


def test_a_task_declares_its_floor_among_its_references() -> None:
    stance = TASKS["stance"]
    with pytest.raises(ValueError, match="floor 'majority' must be one of its references"):
        replace(stance, references=("cues",))
    with pytest.raises(ValueError, match=r"systems \['majority'\] are both"):
        replace(stance, baselines=("majority",))


# --- reproducibility ------------------------------------------------------------------------------


@pytest.mark.parametrize("task", list(TASKS))
def test_two_runs_give_identical_predictions_and_joblib_roundtrip(
    task: str, tmp_path: Path
) -> None:
    name = TASKS[task].baselines[0]
    train, test = split(task, TRAIN_DOCS), inputs(task, TEST_DOCS)
    system = create(task, name).fit(train)
    first = system.predict(test)
    second = create(task, name).fit(train).predict(test)
    assert first == second
    write_predictions(first, tmp_path / "a.jsonl")
    write_predictions(second, tmp_path / "b.jsonl")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert read_predictions(tmp_path / "a.jsonl") == first
    loaded = System.load(system.save(tmp_path / "a.joblib"))
    assert loaded.predict(test) == first


# --- NER -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "repaired"),
    [
        (["I-PER", "I-PER", "O"], ["B-PER", "I-PER", "O"]),
        (["O", "I-ORG"], ["O", "B-ORG"]),
        (["B-PER", "I-ORG", "I-ORG"], ["B-PER", "B-ORG", "I-ORG"]),
        (["B-GPE", "B-GPE", "I-GPE"], ["B-GPE", "B-GPE", "I-GPE"]),
        (["B-XYZ", "I-PER", "E-PER", "O"], ["O", "B-PER", "O", "O"]),
        ([], []),
    ],
)
def test_bio_repair(tags: list[str], repaired: list[str]) -> None:
    assert repair_bio(tags) == repaired
    assert repair_bio(repaired) == repaired  # idempotent


def test_spans_from_bio_are_well_formed() -> None:
    tokens = [(0, 3), (4, 10), (11, 13), (14, 20)]
    entities = spans_from_bio(["I-PER", "I-PER", "O", "I-GPE"], tokens)
    assert entities == [
        {"start": 0, "end": 10, "label": "PER"},
        {"start": 14, "end": 20, "label": "GPE"},
    ]
    assert spans_from_bio(["B-PER", "B-PER", "I-ORG", "I-ORG"], tokens) == [
        {"start": 0, "end": 3, "label": "PER"},
        {"start": 4, "end": 10, "label": "PER"},
        {"start": 11, "end": 20, "label": "ORG"},
    ]


def test_bio_tags_match_the_dataset_tag_names() -> None:
    first = ENTITY_LABELS[0]
    assert NER_TAGS[0] == "O" and NER_TAGS[1:3] == (f"B-{first}", f"I-{first}")
    assert len(NER_TAGS) == 1 + 2 * len(ENTITY_LABELS)
    from nkru.app.dataset.features import FEATURES

    assert tuple(FEATURES["ner"]["ner_tags"].feature.names) == NER_TAGS


def test_gazetteer_is_built_from_training_rows_only() -> None:
    tagger = NerTagger().fit(split("ner", TRAIN_DOCS))
    assert "Lloyd Austin" in tagger.gazetteer and "Dmitri Peskov" in tagger.gazetteer
    assert "Kim Jong-un" not in tagger.gazetteer  # only in the test document
    assert "Maison Blanche" not in tagger.gazetteer
    test_only = Gazetteer.from_rows(split("ner", TEST_DOCS))
    assert "Kim Jong-un" in test_only
    assert Gazetteer.from_rows([]).tag(["Kim", "Jong", "-", "un"]) == ["O"] * 4


def test_ner_tagger_learns_the_training_data() -> None:
    train = split("ner", TRAIN_DOCS)
    predictions = NerTagger().fit(train).predict(strip_rows(TASKS["ner"], train))
    gold = {(r["id"], e["start"], e["end"], e["label"]) for r in train for e in r["entities"]}
    found = {
        (p["id"], e["start"], e["end"], e["label"]) for p in predictions for e in p["entities"]
    }
    assert len(gold & found) >= 0.8 * len(gold)


def test_spacy_label_map_covers_every_entity_label() -> None:
    assert set(SPACY_LABEL_MAP) == set(ENTITY_LABELS)
    assert set(SPACY_DROPPED) == {"DATE", "QUANTITY", "MONEY"}
    assert set(SPACY_LABEL_MAP.values()) == {*SPACY_LABELS, None}
    assert SPACY_LABEL_MAP["GPE"] == "LOC" and SPACY_LABEL_MAP["WEAPON"] == "MISC"
    assert any(e["label"] == "DATE" for r in split("ner", TEST_DOCS) for e in r["entities"])
    shipped = Path(__file__).resolve().parents[1] / "eval" / "samples" / "spacy_label_map.json"
    assert json.loads(shipped.read_text(encoding="utf-8")) == SPACY_LABEL_MAP


# --- claims and attribution ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "claim"),
    [
        ("Selon le Pentagone, 10 000 soldats sont en Russie.", "10 000 soldats sont en Russie"),
        ("D’après Séoul, des obus ont été livrés.", "des obus ont été livrés"),
        (
            "Lloyd Austin a confirmé que des troupes étaient à Koursk.",
            "des troupes étaient à Koursk",
        ),
        ("Des missiles ont été tirés, selon l'armée ukrainienne.", "Des missiles ont été tirés"),
        ("  Les soldats seraient arrivés en octobre… ", "Les soldats seraient arrivés en octobre"),
        ("Selon Kiev, .", "Selon Kiev, ."),  # nothing left: the whole sentence
    ],
)
def test_claim_span_rule(sentence: str, claim: str) -> None:
    span = claim_span(sentence)
    assert span is not None and sentence[span[0] : span[1]] == claim
    assert claim_span("   ") is None


def test_claim_detector_and_all_sentences_reference() -> None:
    train, test = split("claims", TRAIN_DOCS), inputs("claims", TEST_DOCS)
    everything = create("claims", "all-sentences").fit(train).predict(test)
    assert all(len(p["claims"]) == 1 for p in everything)
    detected = create("claims", "tfidf-logreg").fit(train).predict(inputs("claims", TRAIN_DOCS))
    hits = sum(bool(p["claims"]) == r["has_claim"] for p, r in zip(detected, train, strict=True))
    assert hits >= 0.8 * len(train)


def test_source_candidates_include_entities_subjects_and_selon_cues() -> None:
    text = (
        "Selon les services sud-coréens, Lloyd Austin a confirmé que Pyongyang a envoyé "
        "10 000 soldats."
    )
    candidates = source_candidates(text, analyse(text))
    surfaces = {text[s:e]: kinds for (s, e), kinds in candidates.items()}
    assert "cue:selon" in surfaces["les services sud-coréens"]
    assert any(k.startswith("entity:") or k.startswith("subject") for k in surfaces["Lloyd Austin"])


def test_attribution_with_gold_claims_finds_cue_pairs() -> None:
    train, test = split("attribution", TRAIN_DOCS), split("attribution", TEST_DOCS)
    system = AttributionPairs().fit(train + test)
    (stripped,) = inputs("attribution", TEST_DOCS)
    prediction = system.attribute(stripped, [(c["start"], c["end"]) for c in test[0]["claims"]])
    text = test[0]["text"]
    found = {
        (
            text[p["source"]["start"] : p["source"]["end"]],
            text[p["claim"]["start"] : p["claim"]["end"]],
        )
        for p in prediction["pairs"]
    }
    assert any(claim.startswith("les exportations") for _, claim in found)
    claims = {(c["start"], c["end"]) for c in test[0]["claims"]}
    assert all((p["claim"]["start"], p["claim"]["end"]) in claims for p in prediction["pairs"])


# --- classification ------------------------------------------------------------------------------


def test_class_label_integers_and_names_give_the_same_model() -> None:
    train, test = split("certainty", TRAIN_DOCS), inputs("certainty", TEST_DOCS)
    assert {r["label"] for r in train} <= set(TASKS["certainty"].labels)
    raw = [r for r in ROWS["certainty"] if r["document_id"] in TRAIN_DOCS]
    assert all(isinstance(r["label"], int) for r in raw)
    a = create("certainty", "tfidf-logreg").fit(train).predict(test)
    b = create("certainty", "tfidf-logreg").fit(raw).predict(test)
    assert a == b
    assert label_name("stance", 1) == STANCE_LABELS[1]


def test_single_label_training_falls_back_to_a_constant() -> None:
    train = [dict(r, label="asserted") for r in split("certainty", TRAIN_DOCS)]
    predictions = (
        create("certainty", "tfidf-logreg").fit(train).predict(inputs("certainty", TEST_DOCS))
    )
    assert {p["label"] for p in predictions} == {"asserted"}


def test_majority_references() -> None:
    majority = create("topic", "majority").fit(split("topic", TRAIN_DOCS))
    assert majority.label == "troops"
    values = create("normalization", "most-frequent").fit(split("normalization", TRAIN_DOCS))
    assert set(values.values) == {"DATE", "QUANTITY", "MONEY"}
    assert values.values["MONEY"] == "9000000 USD"


# --- protocols -----------------------------------------------------------------------------------


def test_fixed_split_predicts_each_held_out_split_with_rows() -> None:
    """The fixed split is fitted on the train rows and predicts every other split with rows;
    the worker's fit gives the predictions of a fit in this process."""
    rows = {
        "train": split("stance", TRAIN_DOCS),
        "validation": [],
        "test": split("stance", TEST_DOCS),
    }
    (evaluation,) = plan(TASKS["stance"], rows, lodo=False)
    assert evaluation.name == "test" and evaluation.train == rows["train"]
    shown = {"test": inputs("stance", TEST_DOCS)}
    outcome = run_fit(Fit("stance", "tfidf-logreg", None, evaluation.train, shown))
    expected = create("stance", "tfidf-logreg").fit(rows["train"])
    assert outcome.error is None
    assert outcome.predictions["test"] == expected.predict(inputs("stance", TEST_DOCS))


def test_leave_one_document_out_never_trains_on_the_held_out_document() -> None:
    rows = {"train": split("ner", tuple(DOCS))}
    folds = [e for e in plan(TASKS["ner"], rows, lodo=True) if e.name.startswith("lodo/")]
    assert [e.held for e in folds] == sorted(DOCS)
    for fold in folds:
        assert {r["document_id"] for r in fold.rows} == {fold.held}
        assert {r["document_id"] for r in fold.train} == set(DOCS) - {fold.held}
        assert len(fold.train) + len(fold.rows) == len(rows["train"])
    # the gazetteer of each fold excludes the held-out document's own names
    fold = create("ner", "logreg").fit([r for r in rows["train"] if r["document_id"] != "s03"])
    assert "Kim Jong-un" not in fold.gazetteer
    one = {"train": split("ner", TEST_DOCS)}
    assert [e.name for e in plan(TASKS["ner"], one, lodo=True)] == []


def test_predictions_roundtrip(tmp_path: Path) -> None:
    predictions = [{"id": "x", "value": "près"}, {"id": "y", "value": "7000 km"}]
    path = write_predictions(predictions, tmp_path / "sub" / "p.jsonl")
    assert read_predictions(path) == predictions
    assert "près" in path.read_text(encoding="utf-8")
    assert list(by_document(ROWS["ner"])) == ["s01", "s02", "s03"]


def test_decode_accepts_column_wise_object_lists() -> None:
    (row,) = [
        TASKS["ner"].decode(
            {"id": "a", "text": "Kim", "entities": {"start": [0], "end": [3], "label": ["PER"]}}
        )
    ]
    assert row["entities"] == [{"start": 0, "end": 3, "label": "PER"}]
    empty = TASKS["claims"].decode({"id": "b", "text": "x", "claims": []})
    assert empty["claims"] == []
