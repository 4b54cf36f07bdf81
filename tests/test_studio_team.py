"""A team on Label Studio: a blind server nobody else's annotation reaches, pushes that refuse
what `nkru validate` refuses or what would destroy editor work, and concurrent pushes (real
servers, started by tests/conftest.py and here)."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from nkru.annotation import client, convert, exports, studio
from nkru.annotation.cli import studio_app
from nkru.corpus import get_document
from nkru.paths import exports_dir

pytestmark = pytest.mark.studio


def _committed() -> dict[str, dict]:
    """The committed exports whose ground truth has a stance relation (from the corpus)."""
    tasks = exports.read_exports(exports_dir())
    return {
        doc_id: task
        for doc_id, task in tasks.items()
        if any(
            r.get("type") == "relation"
            for a in task["annotations"]
            if a.get("ground_truth")
            for r in a["result"]
        )
    }


@pytest.fixture(scope="module")
def committed() -> dict[str, dict]:
    found = _committed()
    assert found, "no committed export holds a stance relation"
    return found


@pytest.fixture(scope="module")
def ls(studio_server):
    return client.connect(studio_server.url, studio_server.token)


@pytest.fixture(scope="module")
def blind_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[studio.Server]:
    """A second, blind Label Studio (what `nkru studio serve --blind` starts)."""
    with studio.start_server(tmp_path_factory.mktemp("blind"), timeout=300, blind=True) as server:
        yield server


def _cli(server: studio.Server, *args: str):
    common = ["--url", server.url, "--data-dir", str(server.data_dir)]
    return CliRunner(env={"COLUMNS": "200"}).invoke(studio_app, [*args[:1], *common, *args[1:]])


# --------------------------------------------------------------------------- blind


def test_the_blind_login_cannot_reach_the_other_annotation(
    studio_server, blind_server, ls, committed, tmp_path
):
    doc_id, task = next(iter(committed.items()))
    others = {a["completed_by"]["email"] for a in task["annotations"]}
    main = client.push(ls, [get_document(doc_id)], committed, title="NKRU-FR team")
    main_task = main.task_ids[doc_id]
    annotation_ids = [a.id for a in ls.annotations.list(id=main_task)]
    assert len(annotation_ids) == len(task["annotations"])
    # the blind server: the same push brings the text only
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / f"{doc_id}.json").write_text(convert.dumps_export([task]), encoding="utf-8")
    pushed = _cli(blind_server, "push", "--exports-dir", str(folder), "-d", doc_id)
    assert pushed.exit_code == 0, pushed.output
    assert "text only" in pushed.output and "0 annotation(s)" in pushed.output
    refused = _cli(blind_server, "push", "-d", doc_id, "--ml-backend", studio_server.url)
    assert refused.exit_code == 2 and "blind server takes no pre-annotations" in refused.output
    made = _cli(blind_server, "annotator", "bruno")
    assert made.exit_code == 0 and "it logs in" in made.output, made.output
    password = client.annotator_password(blind_server.data_dir, "bruno@nkru.invalid")
    session = studio.form_login(blind_server.url, "bruno@nkru.invalid", password)
    # on the blind server: one project, one task, no annotation of anybody else
    status, projects = session.request("GET", "/api/projects/")
    assert status == 200 and [p["title"] for p in projects["results"]] == [studio.DEFAULT_TITLE]
    (blind_project,) = [p["id"] for p in projects["results"]]
    status, tasks = session.request("GET", f"/api/tasks/?project={blind_project}")
    assert status == 200 and len(tasks["tasks"]) == 1
    blind_task = tasks["tasks"][0]["id"]
    routes = [
        f"/api/tasks/{blind_task}/",
        f"/api/tasks/{blind_task}/annotations/",
        f"/api/projects/{blind_project}/export?exportType=JSON",
        *(f"/api/annotations/{n}/" for n in annotation_ids),
    ]
    for route in routes:
        status, body = session.request("GET", route)
        assert not any(email in json.dumps(body) for email in others), route
    assert session.request("GET", f"/api/tasks/{blind_task}/annotations/")[1] == []
    # the main server: the blind login does not exist there, and its session opens nothing
    with pytest.raises(studio.StudioError, match="refuses the login"):
        studio.form_login(studio_server.url, "bruno@nkru.invalid", password)
    on_main = studio.WebSession(studio_server.url, session.email, session.opener, session.jar)
    routes = [
        "/api/projects/",
        f"/api/projects/{main.project_id}/",
        f"/api/tasks/?project={main.project_id}",
        f"/api/tasks/{main_task}/",
        f"/api/tasks/{main_task}/annotations/",
        f"/api/projects/{main.project_id}/export?exportType=JSON",
        *(f"/api/annotations/{n}/" for n in annotation_ids),
    ]
    for route in routes:
        status, body = on_main.request("GET", route)
        assert status in (401, 403), (route, status)
        assert not any(email in json.dumps(body) for email in others), route


def test_a_blind_server_needs_its_own_data_dir(studio_server):
    with pytest.raises(studio.StudioError, match="data dir of its own"):
        studio.start_server(studio_server.data_dir, blind=True)


def test_community_lets_any_login_delete_a_project(studio_server, ls):
    """What the README says Label Studio Community cannot restrict (every permission is
    'logged in'): an annotator's session deletes a project."""
    project = client.ensure_project(ls, "deletable")
    made = _cli(studio_server, "annotator", "eve")
    assert made.exit_code == 0, made.output
    password = client.annotator_password(studio_server.data_dir, "eve@nkru.invalid")
    session = studio.form_login(studio_server.url, "eve@nkru.invalid", password)
    assert session.request("DELETE", f"/api/projects/{project.id}/")[0] == 204


# --------------------------------------------------------------------------- push


def _ground_truth(task: dict) -> dict:
    return next(a for a in task["annotations"] if a.get("ground_truth"))


def _broken(task: dict, how: str) -> tuple[dict, str]:
    """A copy of ``task`` whose ground truth is broken ``how``; the reason the validator gives."""
    task = copy.deepcopy(task)
    result = _ground_truth(task)["result"]
    relation = next(r for r in result if r["type"] == "relation")
    entity = next(r for r in result if r.get("from_name") == "entities")
    if how == "dangling relation":
        result.append({**relation, "from_id": "nowhere"})
        return task, "does not exist (nowhere)"
    if how == "duplicate relation":
        result.append(dict(relation))
        return task, "two relations between the same source and claim"
    if how == "reversed relation":
        result.remove(relation)
        result.append({**relation, "from_id": relation["to_id"], "to_id": relation["from_id"]})
        return task, "relation must go SOURCE -> CLAIM"
    if how == "overlapping entities":
        result.append({**copy.deepcopy(entity), "id": "overlap"})
        return task, "entity overlaps entity"
    assert how == "text mismatch"
    entity["value"]["text"] = entity["value"]["text"] + "x"
    return task, entity["id"]


@pytest.mark.parametrize(
    "how",
    [
        "dangling relation",
        "duplicate relation",
        "reversed relation",
        "overlapping entities",
        "text mismatch",
    ],
)
def test_push_refuses_what_validate_refuses(studio_server, ls, committed, tmp_path, how):
    doc_id, task = next(iter(committed.items()))
    broken, reason = _broken(task, how)
    path = tmp_path / f"{doc_id}.json"
    path.write_text(convert.dumps_export([broken]), encoding="utf-8")
    title = f"malformed {how}"
    pushed = _cli(
        studio_server, "push", "--exports-dir", str(tmp_path), "-d", doc_id, "--title", title
    )
    assert pushed.exit_code == 2, pushed.output
    assert str(path) in pushed.output and reason in pushed.output
    assert f"document {doc_id}" in pushed.output and "nothing imported" in pushed.output
    assert "Traceback" not in pushed.output
    assert client.find_project(ls, title) is None  # nothing created, nothing imported


def test_replace_keeps_editor_work_unless_forced(studio_server, ls, committed, tmp_path):
    doc_id, task = next(iter(committed.items()))
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / f"{doc_id}.json").write_text(convert.dumps_export([task]), encoding="utf-8")
    args = ["--exports-dir", str(folder), "-d", doc_id, "--title", "editor work"]
    assert _cli(studio_server, "push", *args).exit_code == 0
    project = client.find_project(ls, "editor work")
    task_id = client.project_tasks(ls, project.id)[doc_id].id
    entity = next(r for r in _ground_truth(task)["result"] if r.get("from_name") == "entities")
    ls.annotations.create(id=task_id, result=[entity], ground_truth=False)  # made in the editor
    # a replace with exactly the exports' annotations loses nothing but the editor's one
    refused = _cli(studio_server, "push", *args, "--replace")
    assert refused.exit_code == 2, refused.output
    assert f"document {doc_id}: admin's annotation (1 regions)" in refused.output
    assert "--force" in refused.output and "nothing imported" in refused.output
    assert client.project_tasks(ls, project.id)[doc_id].id == task_id  # untouched
    forced = _cli(studio_server, "push", *args, "--replace", "--force")
    assert forced.exit_code == 0, forced.output
    (exported,) = client.export_tasks(ls, project.id)
    assert len(exported["annotations"]) == len(task["annotations"])
    again = _cli(studio_server, "push", *args, "--replace")  # nothing to lose now
    assert again.exit_code == 0, again.output


def test_two_pushes_at_once_make_one_project_and_one_task_per_document(studio_server, committed):
    documents = [get_document(d) for d in committed]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def push() -> None:
        mine = client.connect(studio_server.url, studio_server.token)
        barrier.wait()
        try:
            client.push(mine, documents, committed, title="at once")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=push) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    ls = client.connect(studio_server.url, studio_server.token)
    titles = [p.title for p in ls.projects.list()]
    assert titles.count("at once") == 1
    tasks = client.document_tasks(ls, client.find_project(ls, "at once").id)
    assert {d: len(t) for d, t in tasks.items()} == {d: 1 for d in committed}


def test_push_with_the_backend_down_imports_nothing(studio_server, ls, committed):
    doc_id = next(iter(committed))
    down = f"http://127.0.0.1:{studio.free_port()}"
    pushed = _cli(
        studio_server, "push", "-d", doc_id, "--title", "no backend", "--ml-backend", down
    )
    assert pushed.exit_code == 1, pushed.output
    assert f"the ML backend at {down} does not answer" in pushed.output
    assert "<" not in pushed.output and "Traceback" not in pushed.output
    assert client.find_project(ls, "no backend") is None
    remote = _cli(
        studio_server,
        "push",
        "-d",
        doc_id,
        "--title",
        "no backend",
        "--ml-backend",
        "http://10.0.0.1:9090",
    )
    assert remote.exit_code == 1 and "only a backend on this machine" in remote.output
    assert client.find_project(ls, "no backend") is None
