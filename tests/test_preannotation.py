"""From a new article to the dataset through a real Label Studio and the real ML backend.

In a temporary copy of the repository (the shipped corpus and dataset are never touched): the
article ``tests/samples/koursk.html`` is added with ``nkru corpus add``, pushed to the Label
Studio started by tests/conftest.py, the backend process (``nkru studio backend``) is connected
through Label Studio's API by ``nkru studio push --ml-backend``, and the predictions are
retrieved through Label Studio (its "Retrieve predictions" action), checked against the labeling
config, shown on the labeling page (screenshot), turned into an annotation, pulled, validated
and built into the dataset.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from nkru.annotation import browser, client, studio
from nkru.paths import project_root

pytestmark = pytest.mark.studio

ARTICLE = Path(__file__).parent / "samples" / "koursk.html"
TITLE = "NKRU-FR pre-annotation"
NKRU = [str(Path(sys.executable).with_name("nkru"))]


def _nkru(repo: Path, *args: str, token: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "NKRU_ROOT": str(repo), "COLUMNS": "200"}
    if token:
        env[studio.TOKEN_ENV] = token
    return subprocess.run(
        [*NKRU, *args], cwd=repo, env=env, capture_output=True, text=True, timeout=900
    )


def _http(url: str, payload: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@dataclass
class Setup:
    repo: Path
    doc_id: str
    backend: str
    model_version: str
    project_id: int
    task_id: int


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's data, annotation and results folders."""
    root = tmp_path_factory.mktemp("nkru-copy")
    for folder in ("data", "annotation", "results"):
        shutil.copytree(project_root() / folder, root / folder)
    return root


@pytest.fixture(scope="module")
def backend(repo: Path) -> Iterator[str]:
    """The real backend process (`nkru studio backend`) on a free port; stopped by its PID."""
    with studio.start_backend(repo, repo / "backend.log") as server:
        yield server.url


@pytest.fixture(scope="module")
def ls(studio_server):
    return client.connect(studio_server.url, studio_server.token)


@pytest.fixture(scope="module")
def pushed(repo: Path, backend: str, studio_server, ls) -> Setup:
    """The article added, pushed, and the backend connected through Label Studio's API."""
    added = _nkru(repo, "corpus", "add", str(ARTICLE))
    assert added.returncode == 0, added.stdout + added.stderr
    manifest = json.loads((repo / "data/raw/manifest.json").read_text(encoding="utf-8"))
    doc_id = manifest["documents"][-1]["id"]
    assert f"added document {doc_id}" in added.stdout
    push = _nkru(
        repo,
        "studio",
        "push",
        "--url",
        studio_server.url,
        "--title",
        TITLE,
        "--document",
        doc_id,
        "--ml-backend",
        backend,
        token=studio_server.token,
    )
    assert push.returncode == 0, push.stdout + push.stderr
    assert f"ML backend {backend}: CO" in push.stdout
    project = client.find_project(ls, TITLE)
    task = client.project_tasks(ls, project.id)[doc_id]
    version = _http(f"{backend}/health")[1]["model_version"]
    return Setup(repo, doc_id, backend, version, project.id, task.id)


def _predictions(ls, setup: Setup) -> list:
    """The task's predictions as Label Studio stores them, after its "Retrieve predictions"
    action asked the connected backend (nothing is asked of the backend directly)."""
    ls.actions.create(
        id="retrieve_tasks_predictions",
        project=setup.project_id,
        selected_items={"all": False, "included": [setup.task_id]},
    )
    return list(ls.predictions.list(task=setup.task_id))


def test_predictions_through_label_studio_cover_every_layer(ls, pushed: Setup) -> None:
    from label_studio_sdk.label_interface import LabelInterface

    (backend,) = ls.ml.list(project=pushed.project_id)
    assert backend.url == pushed.backend and str(backend.state) in (
        "CO",
        "MLBackendState.CONNECTED",
    )
    predictions = _predictions(ls, pushed)
    assert len(predictions) == 1, [p.model_version for p in predictions]
    prediction = predictions[0]
    assert prediction.model_version == pushed.model_version
    assert 0 < prediction.score <= 1
    project = ls.projects.get(pushed.project_id)
    errors = LabelInterface(project.label_config).validate_prediction(
        {"result": prediction.result}, return_errors=True
    )
    assert not errors, errors
    items = prediction.result
    kinds = Counter(
        (i.get("from_name"), (i.get("value") or {}).get("labels", [None])[0] or i["type"])
        for i in items
    )
    assert any(name == "entities" for name, _ in kinds), kinds
    assert kinds[("claims", "CLAIM")] and kinds[("claims", "SOURCE")], kinds
    assert kinds[(None, "relation")], kinds
    claims = {i["id"] for i in items if i.get("value", {}).get("labels") == ["CLAIM"]}
    for control in ("certainty", "topic"):
        assert claims == {i["id"] for i in items if i.get("from_name") == control}
    regions = {i["id"]: i for i in items if i["type"] == "labels"}
    for relation in (i for i in items if i["type"] == "relation"):
        assert regions[relation["from_id"]]["value"]["labels"] == ["SOURCE"]
        assert regions[relation["to_id"]]["value"]["labels"] == ["CLAIM"]
        assert relation["labels"][0] in ("support", "deny", "query")
    assert all("score" in i for i in items if i.get("from_name") != "boilerplate")
    # a second retrieval adds nothing: the model version already predicted this task
    assert len(_predictions(ls, pushed)) == 1


def test_label_studio_refuses_a_prediction_the_config_cannot_show(ls, pushed: Setup) -> None:
    from label_studio_sdk.core.api_error import ApiError

    bad = [
        {
            "id": "x1",
            "from_name": "entities",
            "to_name": "text",
            "type": "labels",
            "value": {"start": 0, "end": 5, "text": "INTER", "labels": ["PERSON"]},
        }
    ]
    with pytest.raises(ApiError) as refused:
        ls.predictions.create(task=pushed.task_id, result=bad, model_version="bad")
    assert refused.value.status_code == 400


def test_backend_protocol_errors_are_clear(pushed: Setup) -> None:
    status, body = _http(f"{pushed.backend}/setup", {"project": "1.0", "schema": "<View/>"})
    assert status == 400 and "lacks the controls" in body["detail"]
    unknown = {"tasks": [{"id": 7, "data": {"document_id": "zzz", "text": "x"}}]}
    status, body = _http(f"{pushed.backend}/predict", unknown)
    assert status == 422 and "task 7" in body["detail"] and "not in the corpus" in body["detail"]
    status, body = _http(f"{pushed.backend}/webhook", {"action": "ANNOTATION_CREATED"})
    assert status == 200 and body["status"] == "ignored" and "blind" in body["reason"]


@pytest.mark.browser
def test_labeling_page_shows_the_pre_annotations(
    ls, pushed: Setup, studio_server, chromium, artifacts_dir
) -> None:
    prediction = _predictions(ls, pushed)[0]
    spans = [i for i in prediction.result if i["type"] == "labels"]
    shot = artifacts_dir / "preannotation.png"
    rendered = browser.render_labeling_page(
        studio_server.url,
        pushed.project_id,
        pushed.task_id,
        studio_server.credentials.email,
        studio_server.credentials.password,
        screenshot=shot,
    )
    # the editor holds every predicted region (its own serialisation of what it shows)
    assert rendered.serialized, rendered.body_text[:2000]
    shown = {
        (i["value"]["start"], i["value"]["end"], tuple(i["value"]["labels"]))
        for i in rendered.serialized
        if i.get("type") == "labels"
    }
    predicted = {
        (i["value"]["start"], i["value"]["end"], tuple(i["value"]["labels"])) for i in spans
    }
    assert predicted <= shown, predicted - shown
    relations = [i for i in rendered.serialized if i.get("type") == "relation"]
    assert len(relations) == sum(i["type"] == "relation" for i in prediction.result)
    assert pushed.model_version[:8] in rendered.body_text  # the prediction's tab
    assert shot.stat().st_size > 10_000


def test_annotation_from_predictions_is_exported_validated_and_built(
    ls, pushed: Setup, studio_server
) -> None:
    import datasets

    shipped = project_root() / "data" / "raw" / "manifest.json"
    before = shipped.read_bytes()
    prediction = _predictions(ls, pushed)[0]
    ls.annotations.create(
        id=pushed.task_id,
        result=prediction.result,
        parent_prediction=prediction.id,
        ground_truth=True,
        was_cancelled=False,
    )
    repo = pushed.repo
    pull = _nkru(
        repo,
        "studio",
        "pull",
        "--url",
        studio_server.url,
        "--title",
        TITLE,
        "--exports-dir",
        "annotation/exports",
        token=studio_server.token,
    )
    assert pull.returncode == 0, pull.stdout + pull.stderr
    export = repo / "annotation" / "exports" / f"{pushed.doc_id}.json"
    assert export.is_file()
    validate = _nkru(repo, "validate")
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert f"│ {pushed.doc_id} " in validate.stdout
    build = _nkru(repo, "build")
    assert build.returncode == 0, build.stdout + build.stderr
    assert pushed.doc_id in build.stdout.split("documents built:")[1].split(";")[0]
    documents = datasets.load_dataset(str(repo / "data"), "documents", split="train")
    assert pushed.doc_id in documents["id"]
    ner = datasets.load_dataset(str(repo / "data"), "ner", split="train")
    assert any(d == pushed.doc_id for d in ner["document_id"])
    assert shipped.read_bytes() == before
