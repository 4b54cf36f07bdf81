"""Round trips through a real Label Studio (started by tests/conftest.py)."""

from __future__ import annotations

import hashlib
import json
import os
import queue
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nkru import schema
from nkru.annotation import browser, client, convert, studio
from nkru.annotation.cli import studio_app
from nkru.corpus import Document, load_corpus
from nkru.records import Annotation, Claim, Source, Span, Stance

pytestmark = pytest.mark.studio

# A non-BMP character (one code point, two UTF-16 units) before every span but the first.
TEXT = (
    "Selon Lloyd Austin 😀, plus de 10 000 soldats nord-coréens seraient en Russie "
    "depuis le 25 octobre 2024, ce que nie la RPDC. Lire aussi | Card image cap"
)
CHROME = "Lire aussi | Card image cap"


def _at(sub: str) -> tuple[int, int]:
    i = TEXT.index(sub)
    return i, i + len(sub)


def _doc(doc_id: str = "990") -> Document:
    start, end = _at(CHROME)
    return Document(
        doc_id,
        f"{doc_id}.txt",
        hashlib.sha256(TEXT.encode()).hexdigest(),
        TEXT,
        {
            "title": "Essai 😀",
            "publisher": "P",
            "authors": ["A. B."],
            "date": "2024-10-25",
            "language": "fr",
        },
        (Span(f"{doc_id}-bp01", start, end, schema.BOILERPLATE, CHROME, "link"),),
    )


def _full(doc_id: str, annotator: str, gold: bool) -> Annotation:
    claim = TEXT[TEXT.index("plus") : TEXT.index(" depuis le")]
    ents = [
        ("Lloyd Austin", "PER", None),
        ("plus de 10 000", "QUANTITY", ">10000"),
        ("nord-coréens", "NORP", None),
        ("Russie", "GPE", None),
        ("25 octobre 2024", "DATE", "2024-10-25"),
        ("RPDC", "GPE", None),
    ]
    return Annotation(
        doc_id,
        annotator,
        gold,
        entities=[Span(f"e{i}", *_at(s), lab, s, val) for i, (s, lab, val) in enumerate(ents)],
        claims=[Claim("c1", *_at(claim), claim, "hedged", "troops")],
        sources=[
            Source("s1", *_at("Lloyd Austin"), "Lloyd Austin"),
            Source("s2", *_at("RPDC"), "RPDC"),
        ],
        stances=[Stance("s1", "c1", "support"), Stance("s2", "c1", "deny")],
        boilerplate=[Span("b1", *_at(CHROME), schema.BOILERPLATE, CHROME, "related link")],
    )


def _partial(doc_id: str, annotator: str) -> Annotation:
    return Annotation(
        doc_id,
        annotator,
        False,
        entities=[Span("x1", *_at("Russie"), "LOC", "Russie")],
        claims=[Claim("x2", *_at("soldats"), "soldats", "asserted", "war")],
    )


@pytest.fixture(scope="module")
def ls(studio_server):
    return client.connect(studio_server.url, studio_server.token)


def test_token_is_stored_privately_and_never_printed(studio_server):
    creds = studio_server.data_dir / studio.CREDENTIALS_FILE
    assert creds.stat().st_mode & 0o077 == 0
    assert studio_server.token not in studio.mask(studio_server.token)
    assert studio_server.token not in studio_server.log_tail(10_000)


def test_push_pull_round_trip_keeps_every_annotation(ls, studio_server, tmp_path):
    doc = _doc("991")
    records = [_full(doc.id, "alice", True), _partial(doc.id, "bob"), _full(doc.id, "carol", False)]
    task = convert.make_task(doc, records)
    report = client.push(ls, [doc], {doc.id: task}, title="round trip")
    assert report.imported == [doc.id] and report.annotations == 3
    (path,) = client.pull(ls, tmp_path, title="round trip")
    assert path.name == "991.json"
    (pulled,) = json.loads(path.read_text(encoding="utf-8"))
    assert pulled["data"]["text"] == TEXT
    got = convert.task_annotations(pulled)
    assert sorted(got, key=lambda a: a.annotator) == sorted(
        (r.sorted() for r in records), key=lambda a: a.annotator
    )
    assert convert.ground_truth_annotation(pulled).annotator == "alice"
    emails = [a["completed_by"]["email"] for a in pulled["annotations"]]
    assert emails == ["alice@nkru.invalid", "bob@nkru.invalid", "carol@nkru.invalid"]
    # stable file: pulling again writes the same bytes
    first = path.read_bytes()
    client.pull(ls, tmp_path, title="round trip")
    assert path.read_bytes() == first
    # offsets after the emoji are Python str indices end to end
    russie = next(s for s in got[0].entities if s.text == "Russie")
    assert TEXT[russie.start : russie.end] == "Russie"


def test_pulled_file_imports_unchanged(ls, tmp_path):
    doc = _doc("992")
    task = convert.make_task(doc, [_full(doc.id, "alice", True), _partial(doc.id, "bob")])
    client.push(ls, [doc], {doc.id: task}, title="import source")
    (path,) = client.pull(ls, tmp_path / "a", title="import source")
    raw = json.loads(path.read_text(encoding="utf-8"))
    # import the committed file as is into a fresh project, export it again
    project = client.ensure_project(ls, "import target")
    resp = ls.projects.import_tasks(project.id, request=raw, return_task_ids=True)
    assert len(resp.task_ids) == 1
    (again,) = client.pull(ls, tmp_path / "b", title="import target")
    assert again.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    flags = {a["completed_by"]["email"]: a["ground_truth"] for a in raw[0]["annotations"]}
    assert flags == {"alice@nkru.invalid": True, "bob@nkru.invalid": False}


def test_push_skips_existing_tasks_unless_replace(ls):
    doc = _doc("993")
    first = client.push(ls, [doc], title="replace")
    assert first.imported == ["993"]
    again = client.push(ls, [doc], title="replace")
    assert again.skipped == ["993"] and again.imported == []
    task = convert.make_task(doc, [_partial(doc.id, "bob")])
    replaced = client.push(ls, [doc], {doc.id: task}, title="replace", replace=True)
    assert replaced.imported == ["993"]
    assert len(client.project_tasks(ls, replaced.project_id)) == 1


def test_spacy_predictions_are_mapped_and_labelled_as_model_output(ls):
    doc = load_corpus()[0]
    report = client.push(ls, [doc], title="predictions", predictions="spacy")
    (task_id,) = report.task_ids.values()
    (prediction,) = ls.predictions.list(task=task_id)
    assert (
        prediction.model_version.startswith("spacy-")
        and "fr_core_news_md" in prediction.model_version
    )
    labels = {r["value"]["labels"][0] for r in prediction.result}
    assert labels and labels <= set(client.FROM_SPACY.values())
    for r in prediction.result:
        v = r["value"]
        assert doc.text[v["start"] : v["end"]] == v["text"]
        assert not doc.in_boilerplate(v["start"], v["end"])
    exported = client.export_tasks(ls, report.project_id)
    assert exported[0]["annotations"] == []  # predictions are not annotations
    project = ls.projects.get(report.project_id)
    assert project.model_version == prediction.model_version  # pre-fills new annotations


@pytest.mark.browser
def test_labeling_page_renders_regions(ls, studio_server, chromium, artifacts_dir):
    doc = _doc("994")
    gold = _full(doc.id, "alice", True)
    task = convert.make_task(doc, [gold])
    report = client.push(ls, [doc], {doc.id: task}, title="browser")
    creds = studio_server.credentials
    shot = artifacts_dir / "labeling-page.png"
    expected = sorted({s.text for s in (*gold.entities, *gold.sources)})
    page = browser.render_labeling_page(
        studio_server.url,
        report.project_id,
        report.task_ids[doc.id],
        creds.email,
        creds.password,
        screenshot=shot,
        expect=len(expected),
        select=["25 octobre 2024", " soldats"],
    )
    assert shot.exists() and shot.stat().st_size > 10_000
    shown = set(page.highlights)
    # each span renders exactly its own characters: offsets after the emoji are not shifted
    for text in expected:
        assert text in shown, f"{text!r} not highlighted; page shows {sorted(shown)}"
    assert "Essai 😀" in page.body_text  # the task's metadata header
    for label in ("PER", "QUANTITY", "SOURCE", "CLAIM", "BOILERPLATE", "support", "deny"):
        assert label in page.body_text
    # per-region attributes: hidden until a region of the right label is selected
    assert "Certainty" not in page.body_text and "Normalised value" not in page.body_text
    date = page.selected["25 octobre 2024"]
    assert "Normalised value" in date and "2024-10-25" in date and "Certainty" not in date
    # the editor serialises the loaded annotation exactly as the converter writes it
    assert page.serialized is not None, "window.Htx.annotationStore not reachable"
    assert convert.sort_results(page.serialized) == convert.to_results(gold)
    claim = page.selected[" soldats"]
    assert "Certainty" in claim and "Topic" in claim and "Normalised value" not in claim
    assert "hedged" in claim and "troops" in claim


@pytest.mark.browser
def test_labeling_page_opens_on_the_ground_truth(ls, studio_server, chromium, artifacts_dir):
    """A document annotated by several people (the ground truth first in the export, as
    `nkru studio pull` writes it): the labeling page shows the ground truth, not the last
    annotation imported."""
    doc = _doc("995")
    gold = _full(doc.id, "alice", True)
    task = convert.make_task(doc, [gold, _partial(doc.id, "bob"), _partial(doc.id, "carol")])
    assert [a["ground_truth"] for a in task["annotations"]] == [True, False, False]
    report = client.push(ls, [doc], {doc.id: task}, title="ground truth first")
    creds = studio_server.credentials
    page = browser.render_labeling_page(
        studio_server.url,
        report.project_id,
        report.task_ids[doc.id],
        creds.email,
        creds.password,
        screenshot=artifacts_dir / "labeling-page-ground-truth.png",
        expect=len(gold.entities),
    )
    assert page.serialized is not None, "window.Htx.annotationStore not reachable"
    assert convert.sort_results(page.serialized) == convert.to_results(gold)


# --------------------------------------------------------------------------- CLI


def _cli_export(tmp_path: Path) -> Path:
    doc = load_corpus()[0]
    start = doc.text.index("Philippe Pons")
    anns = [
        Annotation(
            doc.id,
            who,
            who == "alice",
            entities=[Span("e1", start, start + 13, "PER", "Philippe Pons")],
        )
        for who in ("alice", "bob")
    ]
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / f"{doc.id}.json").write_text(
        convert.dumps_export([convert.make_task(doc, anns)]), encoding="utf-8"
    )
    return folder


def test_cli_push_and_pull(studio_server, tmp_path):
    folder = _cli_export(tmp_path)
    common = [
        "--url",
        studio_server.url,
        "--data-dir",
        str(studio_server.data_dir),
        "--title",
        "cli project",
    ]
    runner = CliRunner(env={"COLUMNS": "200"})
    pushed = runner.invoke(
        studio_app, ["push", *common, "--exports-dir", str(folder), "-d", "000", "-d", "001"]
    )
    assert pushed.exit_code == 0, pushed.output
    assert "imported 2 task(s)" in pushed.output and "2 annotation(s)" in pushed.output
    again = runner.invoke(studio_app, ["push", *common, "--exports-dir", str(folder), "-d", "000"])
    assert again.exit_code == 0 and "skipped" in again.output
    out = tmp_path / "pulled"
    pulled = runner.invoke(studio_app, ["pull", *common, "--exports-dir", str(out)])
    assert pulled.exit_code == 0, pulled.output
    assert sorted(p.name for p in out.glob("*.json")) == ["000.json", "001.json"]
    (sent,) = json.loads((folder / "000.json").read_text(encoding="utf-8"))
    (back,) = json.loads((out / "000.json").read_text(encoding="utf-8"))
    assert back["data"]["text"] == load_corpus()[0].text
    assert convert.task_annotations(back) == convert.task_annotations(sent)
    assert studio_server.token not in pushed.output + pulled.output


def test_cli_errors_are_messages_with_exit_codes(studio_server, tmp_path):
    runner = CliRunner()
    server = ["--url", studio_server.url, "--data-dir", str(studio_server.data_dir)]
    bad = runner.invoke(studio_app, ["push", *server, "--predictions", "bert"])
    assert bad.exit_code == 2 and "--predictions" in bad.output
    unknown = runner.invoke(studio_app, ["push", *server, "-d", "777"])
    assert unknown.exit_code == 2 and "unknown document id" in unknown.output
    down = runner.invoke(
        studio_app,
        [
            "pull",
            "--url",
            f"http://127.0.0.1:{studio.free_port()}",
            "--data-dir",
            str(studio_server.data_dir),
            "--exports-dir",
            str(tmp_path),
        ],
    )
    assert down.exit_code == 1 and "cannot reach Label Studio" in down.output
    for result in (bad, unknown, down):
        assert "Traceback" not in result.output


def test_cli_annotator_login_logs_in_and_reset_replaces_it(studio_server, ls):
    common = ["--url", studio_server.url, "--data-dir", str(studio_server.data_dir)]
    project = client.push(ls, [_doc("996")], title="annotator login").project_id
    runner = CliRunner(env={"COLUMNS": "200"})
    made = runner.invoke(studio_app, ["annotator", "dora", *common])
    assert made.exit_code == 0, made.output
    assert "created login dora@nkru.invalid" in made.output and "it logs in" in made.output
    path = studio_server.data_dir / client.ANNOTATORS_FILE
    first = json.loads(path.read_text())["dora@nkru.invalid"]
    assert first not in made.output  # the password is not printed
    assert path.stat().st_mode & 0o077 == 0
    # the login form accepts the stored password, and the login opens the project
    session = studio.form_login(studio_server.url, "dora@nkru.invalid", first)
    status, body = session.request("GET", f"/api/projects/{project}/")
    assert status == 200 and body["title"] == "annotator login"
    assert session.request("GET", f"/projects/{project}/data")[0] == 200
    again = runner.invoke(studio_app, ["annotator", "dora", *common])
    assert again.exit_code == 0 and "already exists" in again.output
    assert json.loads(path.read_text())["dora@nkru.invalid"] == first
    reset = runner.invoke(studio_app, ["annotator", "dora", "--reset", *common])
    assert reset.exit_code == 0 and "new password for dora@nkru.invalid" in reset.output
    second = json.loads(path.read_text())["dora@nkru.invalid"]
    assert second != first
    with pytest.raises(studio.StudioError, match="refuses the login"):
        studio.form_login(studio_server.url, "dora@nkru.invalid", first)
    studio.form_login(studio_server.url, "dora@nkru.invalid", second)
    bad = runner.invoke(studio_app, ["annotator", "Dora Smith", *common])
    assert bad.exit_code == 2 and "annotator name" in bad.output


def test_cli_serve_starts_stops_and_restarts_with_its_own_login(studio_server, tmp_path):
    """`nkru studio serve` on a new data dir (copied from the migrated template, as the
    session's server was) prints a next step that works as printed and stops on SIGTERM;
    started again, the data dir keeps its database and credentials (start-up times:
    benchmarks/bench_studio_start.py)."""
    assert studio_server.template_copied
    port = studio.free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from nkru.annotation.cli import studio_app; studio_app()",
            "serve",
            "--data-dir",
            str(tmp_path / "served"),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        lines: queue.Queue[str | None] = queue.Queue()  # a thread reads: readline() blocks

        def pump() -> None:
            for line in proc.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        output, deadline = "", time.monotonic() + 120
        while "next:" not in output:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            output += line
        assert f"http://127.0.0.1:{port}" in output, output
        creds = json.loads((tmp_path / "served" / studio.CREDENTIALS_FILE).read_text())
        assert creds["token"] not in output and studio.mask(creds["token"]) in output
        # the printed next step works as printed (it needs this data dir's token)
        hint = shlex.split(output.split("next: ", 1)[1].split("   (Ctrl-C", 1)[0])
        assert hint[:3] == ["nkru", "studio", "push"] and "--data-dir" in hint, hint
        pushed = subprocess.run(
            [str(Path(sys.executable).with_name("nkru")), *hint[1:]],
            capture_output=True,
            text=True,
            timeout=300,
            env={k: v for k, v in os.environ.items() if k != studio.TOKEN_ENV},
        )
        assert pushed.returncode == 0, pushed.stdout + pushed.stderr
        assert "imported" in pushed.stdout
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert not studio._port_busy(port), "the server outlived `serve`"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with studio.start_server(tmp_path / "served") as again:
        assert not again.template_copied and again.port != studio_server.port
        assert again.token == creds["token"]
        assert client.connect(again.url, again.token) is not None
