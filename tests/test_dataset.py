"""The Hugging Face dataset: build, card, publish (with hand-made ground truth for 002 and 004)."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
import typer
import yaml
from typer.testing import CliRunner

from nkru.annotation import convert
from nkru.app.dataset import publish as publish_module
from nkru.app.dataset.build import CARD, build
from nkru.app.dataset.cli import build_command, publish_command
from nkru.app.dataset.features import CONFIGS, FEATURES
from nkru.app.dataset.ground_truth import export_files, load_ground_truth
from nkru.app.dataset.publish import PublishError, publish
from nkru.corpus import get_document, load_corpus
from nkru.files import write_atomic
from nkru.paths import data_dir, exports_dir, project_root
from nkru.records import Annotation, Claim, Source, Span, Stance
from nkru.rows import BuildError
from nkru.schema import CLAIM_TAGS, ENTITY_LABELS, NER_TAGS
from nkru.splits import split_of
from nkru.tasks import TASK_NAMES

pytestmark = pytest.mark.slow  # the whole dataset build

# --------------------------------------------------------------------------- hand-made gold


def _locate(text: str, quote: str, after: str | None = None) -> tuple[int, int]:
    start = text.find(quote, text.find(after) if after else 0)
    assert start >= 0, quote
    return start, start + len(quote)


def _annotation(doc_id, entities, claims, sources, stances, ground_truth=True) -> Annotation:
    text = get_document(doc_id).text
    ents = []
    for n, (quote, label, value, *after) in enumerate(entities, 1):
        start, end = _locate(text, quote, *after)
        ents.append(Span(f"e{n}", start, end, label, quote, value))
    claim_records = []
    for cid, quote, certainty, topic, *after in claims:
        start, end = _locate(text, quote, *after)
        claim_records.append(Claim(cid, start, end, quote, certainty, topic))
    source_records = []
    for sid, quote, *after in sources:
        start, end = _locate(text, quote, *after)
        source_records.append(Source(sid, start, end, quote))
    return Annotation(
        doc_id,
        "tester",
        ground_truth,
        ents,
        claim_records,
        source_records,
        [Stance(*s) for s in stances],
    )


CROSSING = (
    "ne s’agit plus seulement du transfert d'armes. Il s'agit de l'envoi de personnes "
    "de Corée du Nord dans les forces armées de l'occupant"
)


def gold() -> dict[str, Annotation]:
    a002 = _annotation(
        "002",
        [
            ("Yuliana Glazunova", "PER", None),
            ("25 octobre 2024", "DATE", "2024-10-25"),
            ("Moscou", "GPE", None, "Si Moscou"),
            ("Pyongyang", "GPE", None, "Si Moscou"),
            ("nord-coréennes", "NORP", None, "Si Moscou"),
            ("1 500", "QUANTITY", "1500"),
            ("12 000", "QUANTITY", "<=12000"),
            ("Séoul", "GPE", None),
            ("8 octobre 2024", "DATE", "2024-10-08"),
            ("Volodymyr Zelensky", "PER", None),
            ("juin 2024", "DATE", "2024-06"),
            ("Kim Jong-un", "PER", None, "En juin 2024"),
        ],
        [
            ("c1", "l’envoi de troupes nord-coréennes", "asserted", "troops"),
            (
                "c2",
                "1 500 soldats nord-coréens soient déjà présents en Ukraine",
                "hedged",
                "troops",
            ),
            ("c3", CROSSING, "asserted", "troops"),
            ("c4", "Kim Jong-un a salué l’alliance stratégique avec Moscou", "asserted", "treaty"),
        ],
        [
            ("s1", "Moscou et Pyongyang"),
            ("s2", "des informations récentes"),
            ("s3", "Séoul"),
            ("s4", "Volodymyr Zelensky"),
        ],
        [
            ("s1", "c1", "deny"),
            ("s2", "c2", "support"),
            ("s3", "c2", "support"),  # anaphoric: the claim is in the previous sentence
            ("s4", "c3", "support"),
        ],
    )
    a004 = _annotation(
        "004",
        [
            ("Vladimir Poutine", "PER", None),
            ("Kim Jong-un", "PER", None),
            ("plus de 650 000", "QUANTITY", ">650000"),
            ("russes", "NORP", None, "650 000"),
            ("Corée du Nord", "GPE", None, "Ce ravitaillement"),
            ("Guardian", "ORG", None),
            ("samedi dernier", "DATE", "2024-10-XX"),
        ],
        [
            ("c1", "plus de 650 000 soldats russes ont été blessés ou tués", "asserted", "war"),
            (
                "c2",
                "Ce ravitaillement proviendrait désormais de Corée du Nord",
                "hedged",
                "weapons",
            ),
        ],
        [("s1", "les données ukrainiennes"), ("s2", "plusieurs médias, dont le Guardian")],
        [("s1", "c1", "support"), ("s2", "c2", "support")],
    )
    return {"002": a002, "004": a004}


def write_exports(folder: Path, annotations: dict[str, Annotation]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for doc_id, annotation in annotations.items():
        task = convert.make_task(get_document(doc_id), [annotation])
        (folder / f"{doc_id}.json").write_text(convert.dumps_export([task]), encoding="utf-8")
    return folder


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "raw" not in p.relative_to(folder).parts
    }


def load(folder: Path, config: str, cache: Path) -> datasets.DatasetDict:
    return datasets.load_dataset(str(folder), config, cache_dir=str(cache))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("root")
    messages: list[str] = []
    report = build(gold(), root / "data", log=messages.append)
    return root / "data", report, messages


def rows(folder: Path, config: str) -> dict[str, list[dict]]:
    return {
        p.stem: pq.read_table(p).to_pylist() for p in sorted((folder / config).glob("*.parquet"))
    }


# --------------------------------------------------------------------------- build


def test_one_config_per_task_plus_documents() -> None:
    assert ("documents", *TASK_NAMES) == CONFIGS
    assert set(FEATURES) == set(CONFIGS)
    assert NER_TAGS[0] == "O" and NER_TAGS[1:3] == (
        f"B-{ENTITY_LABELS[0]}",
        f"I-{ENTITY_LABELS[0]}",
    )
    assert len(NER_TAGS) == 1 + 2 * len(ENTITY_LABELS)
    assert CLAIM_TAGS == ("O", "B-CLAIM", "I-CLAIM")


def test_load_dataset_every_config_with_declared_features(built, tmp_path: Path) -> None:
    folder, report, _ = built
    for config in CONFIGS:
        ds = load(folder, config, tmp_path)
        assert list(ds) == ["train", "test"]  # validation (003) has no annotated document
        for split in ds:
            assert ds[split].features == FEATURES[config], config
            assert len(ds[split]) == report.counts[config][split]
    ner = load(folder, "ner", tmp_path)["test"]
    assert ner.features["ner_tags"].feature.int2str(0) == "O"


def test_rebuild_is_byte_identical(built, tmp_path: Path) -> None:
    folder, _, _ = built
    again = build(gold(), tmp_path / "data")
    assert files_of(tmp_path / "data") == files_of(folder)
    assert len(files_of(folder)) == 2 + 2 * len(CONFIGS)  # card, croissant.json, parquet
    same = build(gold(), tmp_path / "data")
    assert not same.written and not same.removed and len(same.unchanged) == len(again.written)


@pytest.mark.skipif(
    not (data_dir() / CARD).is_file() or not exports_dir().is_dir(),
    reason="data/ has not been built and committed yet",
)
def test_committed_data_is_reproducible(tmp_path: Path) -> None:
    exports = exports_dir()
    build(load_ground_truth(exports), tmp_path / "data", exports=export_files(exports))
    assert files_of(tmp_path / "data") == files_of(data_dir())


def test_no_document_in_two_splits_and_splits_follow_nkru_splits(built) -> None:
    folder, report, _ = built
    for config in CONFIGS:
        seen: dict[str, str] = {}
        for split, split_rows in rows(folder, config).items():
            for row in split_rows:
                doc = row["id"] if config == "documents" else row["document_id"]
                assert seen.setdefault(doc, split) == split, (config, doc)
                assert split_of(doc) == split
        assert set(seen) == {"002", "004"}
    assert report.documents == ["002", "004"]


def _check_offsets(config: str, row: dict) -> None:
    doc = get_document(row["document_id"] if "document_id" in row else row["id"])
    text = row["text"]
    if config == "documents":
        assert text == doc.text and row["sha256"] == doc.sha256
        for b in row["boilerplate"]:
            assert doc.text[b["start"] : b["end"]]
    elif config in ("ner", "claims"):
        assert doc.text[row["doc_start"] : row["doc_end"]] == text
        for tok, a, b in zip(row["tokens"], row["token_starts"], row["token_ends"], strict=True):
            assert text[a:b] == tok
        for item in row["entities" if config == "ner" else "claims"]:
            assert text[item["start"] : item["end"]] == item["text"]
    elif config == "attribution":
        assert text == doc.text
        for item in row["sources"] + row["claims"]:
            assert text[item["start"] : item["end"]] == item["text"]
        claims = {(c["start"], c["end"]) for c in row["claims"]}
        sources = {(s["start"], s["end"]) for s in row["sources"]}
        for pair in row["pairs"]:
            assert (pair["claim_start"], pair["claim_end"]) in claims
            assert (pair["source_start"], pair["source_end"]) in sources
    else:
        start = row["context_start"]
        assert doc.text[start : start + len(text)] == text
        if config == "stance":
            assert text[row["source_start"] : row["source_end"]] == row["source_text"]
        if config == "normalization":
            assert text[row["start"] : row["end"]] == row["mention"]
        else:
            assert text[row["claim_start"] : row["claim_end"]] == row["claim_text"]


def test_every_row_reproduces_its_text(built) -> None:
    folder, _, _ = built
    for config in CONFIGS:
        for split_rows in rows(folder, config).values():
            for row in split_rows:
                _check_offsets(config, row)


def _decode(tags: list[str], starts: list[int], ends: list[int]) -> list[tuple[int, int, str]]:
    spans: list[list] = []
    for tag, a, b in zip(tags, starts, ends, strict=True):
        if tag.startswith("B-"):
            spans.append([a, b, tag[2:]])
        elif tag.startswith("I-"):
            assert spans and spans[-1][2] == tag[2:], "I- tag without its B-"
            spans[-1][1] = b
    return [tuple(s) for s in spans]


def test_tags_decode_to_the_spans(built, tmp_path: Path) -> None:
    folder, _, _ = built
    ner = load(folder, "ner", tmp_path)
    n_entities = 0
    for split in ner:
        names = ner[split].features["ner_tags"].feature.int2str
        for row in ner[split]:
            tags = [names(t) for t in row["ner_tags"]]
            expected = [(e["start"], e["end"], e["label"]) for e in row["entities"]]
            assert _decode(tags, row["token_starts"], row["token_ends"]) == expected
            n_entities += len(expected)
    assert n_entities == sum(len(a.entities) for a in gold().values())
    claims = load(folder, "claims", tmp_path)
    for split in claims:
        names = claims[split].features["claim_tags"].feature.int2str
        for row in claims[split]:
            tags = [names(t) for t in row["claim_tags"]]
            expected = [(c["start"], c["end"], "CLAIM") for c in row["claims"]]
            assert _decode(tags, row["token_starts"], row["token_ends"]) == expected
            assert row["has_claim"] == bool(expected)


def test_rows_of_each_task(built) -> None:
    folder, _, _ = built
    test = {config: rows(folder, config)["test"] for config in CONFIGS}
    # a claim crossing a sentence boundary is one piece per sentence in `claims`
    pieces = [c["text"] for r in test["claims"] for c in r["claims"]]
    assert CROSSING.split(" Il s'agit")[0] in pieces
    assert any(p.startswith("Il s'agit de l'envoi") for p in pieces)
    # ids in document order; labels are ClassLabel integers
    assert [r["id"] for r in test["stance"]] == [f"002-r0{n}" for n in range(1, 5)]
    assert [r["id"] for r in test["certainty"]] == [f"002-c0{n}" for n in range(1, 5)]
    names = FEATURES["stance"]["label"].names
    assert [names[r["label"]] for r in test["stance"]] == ["deny", "support", "support", "support"]
    # the anaphoric relation's context runs from the claim's sentence to the source's
    seoul = next(r for r in test["stance"] if r["source_text"] == "Séoul")
    assert seoul["claim_start"] < seoul["source_start"] and "\n" not in seoul["text"][:5]
    assert seoul["text"].startswith("Selon des informations récentes")
    norm = test["normalization"]
    assert [(r["mention"], r["value"], r["document_date"]) for r in norm][:2] == [
        ("25 octobre 2024", "2024-10-25", "2024-10-25"),
        ("1 500", "1500", "2024-10-25"),
    ]
    (attribution,) = test["attribution"]
    assert attribution["id"] == "002" and len(attribution["pairs"]) == 4
    assert [p["stance"] for p in attribution["pairs"]] == ["deny", "support", "support", "support"]
    (document,) = test["documents"]
    assert document["split"] == "test" and document["authors"] == ["Yuliana Glazunova"]


def test_boilerplate_sentences_are_not_rows(built) -> None:
    folder, _, _ = built
    ids = {r["id"] for rs in rows(folder, "ner").values() for r in rs}
    assert "002-s001" not in ids  # "Card image cap"
    assert "002-s002" in ids


def test_documents_without_ground_truth_are_skipped_with_a_message(built) -> None:
    _, report, messages = built
    unannotated = {d.id for d in load_corpus()} - set(gold())
    assert unannotated and set(report.skipped) == unannotated
    for doc_id in unannotated:
        assert any(m.startswith(f"document {doc_id}:") and "skipped" in m for m in messages)
    not_gold = gold()
    not_gold["004"].ground_truth = False
    with pytest.raises(BuildError, match="nothing to build"):
        build({"004": not_gold["004"]}, Path("/nonexistent/never-written"))


def test_misaligned_entity_is_a_clear_error(tmp_path: Path) -> None:
    annotations = gold()
    text = get_document("002").text
    start = text.find("Glazunova")
    bad = Span("bad", start, start + 7, "PER", "Glazuno")
    annotations["002"].entities.append(bad)
    with pytest.raises(BuildError) as err:
        build(annotations, tmp_path / "out")
    message = str(err.value)
    assert "document 002" in message and "'Glazuno'" in message and f"[{start}, " in message
    assert "token boundaries" in message
    assert not (tmp_path / "out").exists()  # nothing half-built


def test_other_annotation_problems_are_all_reported(tmp_path: Path) -> None:
    annotations = gold()
    ann = annotations["004"]
    ann.entities.append(Span("x", 0, 4, "PER", "nope"))
    ann.stances.append(Stance("s9", "c1", "support"))
    ann.claims[0] = Claim(**{**ann.claims[0].__dict__, "topic": None})
    with pytest.raises(BuildError) as err:
        build(annotations, tmp_path / "out")
    assert len(err.value.problems) == 3, err.value.problems


# --------------------------------------------------------------------------- card


def _header(folder: Path) -> dict:
    return yaml.safe_load((folder / CARD).read_text(encoding="utf-8").split("---\n")[1])


def test_card_header_and_body(built) -> None:
    folder, report, _ = built
    header = _header(folder)
    assert header["pretty_name"] == "NKRU-FR" and header["language"] == ["fr"]
    assert header["license"] == "other" and "not relicense" in header["license_details"]
    assert {"token-classification", "text-classification"} <= set(header["task_categories"])
    assert "named-entity-recognition" in header["task_ids"]
    assert [c["config_name"] for c in header["configs"]] == list(CONFIGS)
    for config in header["configs"]:
        assert [f["split"] for f in config["data_files"]] == ["train", "test"]
    infos = {i["config_name"]: i for i in header["dataset_info"]}
    assert infos["ner"]["splits"][1] == {
        "name": "test",
        "num_bytes": infos["ner"]["splits"][1]["num_bytes"],
        "num_examples": report.counts["ner"]["test"],
    }
    card = (folder / CARD).read_text(encoding="utf-8")
    assert "`nkru benchmark`" in card and "validation" in card
    for doc_id in ("002", "004"):
        assert get_document(doc_id).sha256 in card
    assert 'load_dataset("./data", "ner")' in card and ".feature.int2str" in card
    assert "NKRU-FR contributors" in card
    # the attribution config's rows are documents, and its description says so
    assert "One row per document: content sentences" in card
    assert "| `attribution` | document -> (source, claim, stance) pairs |" in card
    assert f"| `ner` | {report.counts['ner']['train']} | {report.counts['ner']['test']} |" in card


def test_card_records_exports_and_reads_no_results(tmp_path: Path) -> None:
    """The card depends on the annotations only: the committed leaderboard in results/ (the
    benchmark's output) does not reach it, so build and benchmark form no file cycle."""
    exports = write_exports(tmp_path / "exports", gold())
    board = (project_root() / "results" / "leaderboard.md").read_text(encoding="utf-8")
    build(load_ground_truth(exports), tmp_path / "data", exports=export_files(exports))
    card = (tmp_path / "data" / CARD).read_text(encoding="utf-8")
    assert board.splitlines()[0] not in card and "| system |" not in card
    for info in export_files(exports).values():
        assert info.sha256 in card and info.name in card


# --------------------------------------------------------------------------- exports adapter


def test_load_ground_truth_from_label_studio_exports(tmp_path: Path) -> None:
    annotations = gold()
    exports = write_exports(tmp_path, annotations)
    draft = _annotation("003", [], [], [], [], ground_truth=False)
    write_exports(tmp_path, {"003": draft})
    messages: list[str] = []
    loaded = load_ground_truth(exports, log=messages.append)
    assert sorted(loaded) == ["002", "004"]
    assert loaded["002"].entities == annotations["002"].sorted().entities
    assert any("document 003" in m and "ground_truth" in m for m in messages)
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(BuildError, match=r"bad\.json"):
        load_ground_truth(exports)


# --------------------------------------------------------------------------- CLI and publish


def _app() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command("build")(build_command)
    app.command("publish")(publish_command)
    return app


def test_cli_build_prints_a_summary(tmp_path: Path) -> None:
    exports = write_exports(tmp_path / "exports", gold())
    out = tmp_path / "data"
    result = CliRunner().invoke(
        _app(), ["build", "--out", str(out), "--exports", str(exports)], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    assert "normalization" in result.output and "000, 001, 003" in result.output
    assert (out / CARD).is_file()
    tasks = json.loads((exports / "002.json").read_text(encoding="utf-8"))
    item = tasks[0]["annotations"][0]["result"][0]
    item["value"]["start"] += 1  # the region no longer reproduces its text
    (exports / "002.json").write_text(json.dumps(tasks), encoding="utf-8")
    broken = CliRunner().invoke(_app(), ["build", "--out", str(out), "--exports", str(exports)])
    assert broken.exit_code == 1 and "Traceback" not in broken.output
    assert "document 002" in broken.output, broken.output
    missing = CliRunner().invoke(_app(), ["build", "--exports", str(tmp_path / "nope")])
    assert missing.exit_code == 2


def test_publish_dry_run_writes_what_would_be_uploaded(built, tmp_path, monkeypatch) -> None:
    folder, _, _ = built

    def no_network(*args, **kwargs):
        raise AssertionError("a dry run must not touch the network")

    monkeypatch.setattr(publish_module, "HfApi", no_network)
    monkeypatch.setattr(publish_module, "get_token", no_network)
    result = publish("owner/nkru-fr", tmp_path / "dry", data=folder)
    assert result.dry_run_dir == tmp_path / "dry"
    dry = files_of(tmp_path / "dry")
    assert dry == files_of(folder)
    assert not any(name.startswith("raw/") for name in dry) and CARD in dry
    for config in CONFIGS:
        ds = load(tmp_path / "dry", config, tmp_path / "cache")
        original = load(folder, config, tmp_path / "cache2")
        for split in ds:
            assert ds[split].features == FEATURES[config]
            assert ds[split].to_list() == original[split].to_list()
    with pytest.raises(PublishError, match="not an empty folder"):
        publish("owner/nkru-fr", tmp_path / "dry", data=folder)


def test_publish_dry_run_is_a_flag(built, tmp_path, monkeypatch) -> None:
    """`--dry-run` alone writes a new temporary folder and says where; `--dry-run-dir` picks
    the folder (and implies the dry run)."""
    folder, _, _ = built

    def no_network(*args, **kwargs):
        raise AssertionError("a dry run must not touch the network")

    monkeypatch.setattr(publish_module, "HfApi", no_network)
    monkeypatch.setattr(publish_module, "get_token", no_network)
    monkeypatch.setenv("NKRU_ROOT", str(folder.parent))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    runner = CliRunner()
    result = runner.invoke(_app(), ["publish", "--repo-id", "owner/nkru-fr", "--dry-run"])
    assert result.exit_code == 0, result.output
    (made,) = tmp_path.glob("nkru-publish-dry-run-*")
    assert f"files in {made} (nothing uploaded)" in result.output
    assert files_of(made) == files_of(folder)
    chosen = tmp_path / "chosen"
    result = runner.invoke(
        _app(), ["publish", "--repo-id", "owner/nkru-fr", "--dry-run-dir", str(chosen)]
    )
    assert result.exit_code == 0, result.output
    assert files_of(chosen) == files_of(folder)


def test_publish_without_token_is_a_message_and_exit_2(built, monkeypatch) -> None:
    folder, _, _ = built
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(publish_module, "get_token", lambda: None)
    monkeypatch.setenv("NKRU_ROOT", str(folder.parent))
    result = CliRunner().invoke(_app(), ["publish", "--repo-id", "owner/nkru-fr"])
    assert result.exit_code == 2, result.output
    assert "HF_TOKEN" in result.output and "Traceback" not in result.output
    bad = CliRunner().invoke(_app(), ["publish", "--repo-id", "not a repo"])
    assert bad.exit_code == 2


def test_publish_uploads_the_staged_folder(built, monkeypatch) -> None:
    folder, _, _ = built
    calls: dict = {}

    class FakeApi:
        def __init__(self, token=None):
            calls["token"] = token

        def create_repo(self, repo_id, **kwargs):
            calls["repo"] = (repo_id, kwargs)

        def upload_folder(self, **kwargs):
            calls["files"] = files_of(Path(kwargs["folder_path"]))
            calls["upload"] = kwargs
            return "https://huggingface.co/datasets/owner/nkru-fr/commit/x"

    monkeypatch.setenv("HF_TOKEN", "hf_test")
    monkeypatch.setattr(publish_module, "HfApi", FakeApi)
    publish("owner/nkru-fr", data=folder)
    assert calls["token"] == "hf_test" and calls["repo"][1]["repo_type"] == "dataset"
    assert calls["repo"][1]["private"] is True, "private unless --public (DATASHEET.md)"
    assert calls["upload"]["repo_type"] == "dataset"
    assert calls["files"] == files_of(folder)


def test_build_writes_through_write_atomic_which_skips_unchanged_bytes(built) -> None:
    folder, _, _ = built
    path = folder / "ner" / "test.parquet"
    assert write_atomic(path, path.read_bytes()) is False
