"""Command-line entry points for Label Studio (``nkru studio serve|push|pull``),
``nkru validate`` and ``nkru guidelines``. Registered by nkru/cli.py:

    app.add_typer(studio_app, name="studio")
    app.add_typer(guidelines_app, name="guidelines")
    app.command("validate")(validate_command)

Exit codes: 0 ok, 1 failure (server, network), 2 bad input (files, ids, invalid annotations).

The Label Studio SDK, spaCy and PyYAML (the studio and baselines extras) are imported by the
commands that use them, so that `nkru --help` works with the light install.
"""

from __future__ import annotations

import os
import shlex
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from nkru.console import Console, fail, missing_extra
from nkru.corpus import CorpusError, get_document, load_corpus
from nkru.paths import project_root

from . import convert, exports, guidelines, studio
from . import validate as validation
from .instructions import InstructionsError, instructions_html

console = Console()

studio_app = typer.Typer(
    help="A local Label Studio for NKRU-FR: serve, push documents and annotations, pull exports.",
    no_args_is_help=True,
)

DEFAULT_URL = "http://127.0.0.1:8080"
UrlOpt = Annotated[str, typer.Option(help="Label Studio URL (as printed by `serve`).")]
DataDirOpt = Annotated[
    Path | None,
    typer.Option(
        help="Label Studio data dir (default $NKRU_LS_DATA_DIR or "
        "~/.local/share/nkru/label-studio); holds the API token unless "
        "$NKRU_LS_TOKEN is set."
    ),
]
DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        help="A PostgreSQL database for a team, postgresql://USER[:PASSWORD]@HOST[:PORT]/NAME "
        "(default $NKRU_LS_DATABASE, else the sqlite file of the data dir).",
        show_default=False,
    ),
]
BlindOpt = Annotated[
    bool,
    typer.Option(
        "--blind",
        help="The blind server (`nkru studio serve --blind`: port 8081, its own data dir "
        "and database); it receives no annotation and no pre-annotation.",
    ),
]
TitleOpt = Annotated[str, typer.Option(help="Project title (created if missing).")]
ExportsOpt = Annotated[Path, typer.Option(help="Folder of <document_id>.json exports.")]


def resolve_path(path: Path) -> Path:
    """A relative path from the current directory if it exists there, else from the project
    root (the checkout, see nkru.paths.project_root)."""
    if path.is_absolute() or path.exists():
        return path
    return project_root() / path


def _documents(ids: list[str] | None) -> list:
    try:
        return [get_document(i) for i in ids] if ids else list(load_corpus())
    except CorpusError as exc:
        raise fail(str(exc), 2) from exc


@studio_app.command("serve")
def serve(
    data_dir: DataDirOpt = None,
    port: Annotated[
        int | None, typer.Option(help="Port on 127.0.0.1 (default 8080, --blind 8081).")
    ] = None,
    database: DatabaseOpt = None,
    blind: BlindOpt = False,
) -> None:
    """Start Label Studio on 127.0.0.1 (sqlite, no telemetry) and keep it running; with
    --blind, a second server of its own (own data dir and database) for blind annotations."""
    asked = DEFAULT_URL if port is None else f"http://127.0.0.1:{port}"
    url, data_dir = _where(asked, data_dir, blind)
    port = int(url.rsplit(":", 1)[1])
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        server = studio.start_server(data_dir, port=port, database=database, blind=blind)
    except studio.StudioError as exc:
        signal.signal(signal.SIGTERM, previous)
        bad_install = isinstance(exc, studio.LabelStudioMissing)
        raise fail(escape(str(exc)), 2 if bad_install else 1) from exc
    how = "from the migrated template" if server.template_copied else "existing data dir"
    if server.database:
        how = f"database {server.database}; files in"
    console.print(
        f"Label Studio is up at [bold]{server.url}[/] in {server.startup_seconds:.1f} s "
        f"({how}: {server.data_dir})"
    )
    console.print(
        f"login {server.credentials.email}; token {studio.mask(server.token)}; "
        f"credentials in {server.data_dir / studio.CREDENTIALS_FILE}"
    )
    push = f"nkru studio push --url {server.url}"
    if server.blind:
        push += " --blind"
    if data_dir != (studio.blind_data_dir() if blind else None):  # else push finds it
        push += f" --data-dir {shlex.quote(str(server.data_dir))}"
    console.print(f"next: {push}   (Ctrl-C stops the server)", soft_wrap=True, markup=False)
    try:
        while not stop and server.process is not None and server.process.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)
    if server.process is not None and server.process.returncode not in (0, -15, None) and not stop:
        raise fail(f"Label Studio stopped unexpectedly; log {server.log_path}", 1)


def _client() -> Any:
    """:mod:`.client`, which needs the Label Studio SDK and spaCy (the studio extra)."""
    try:
        from . import client
    except ModuleNotFoundError as err:
        raise missing_extra(err, "studio") from None
    return client


def _where(url: str, data_dir: Path | None, blind: bool) -> tuple[str, Path | None]:
    """(url, data dir) of the main server, or with ``blind`` of the blind server (port 8081
    and the blind data dir unless given)."""
    if not blind:
        return url, data_dir
    if url == DEFAULT_URL:
        url = f"http://127.0.0.1:{studio.BLIND_PORT}"
    return url, data_dir or studio.blind_data_dir()


def _connect(url: str, data_dir: Path | None):
    try:
        base, token = studio.connect_info(url, data_dir)
    except studio.StudioError as exc:
        raise fail(str(exc), 2) from exc
    return base, _client().connect(base, token)


@studio_app.command("push")
def push(
    url: UrlOpt = DEFAULT_URL,
    data_dir: DataDirOpt = None,
    title: TitleOpt = studio.DEFAULT_TITLE,
    exports_dir: Annotated[
        list[Path] | None,
        typer.Option(
            help="Folder of <document_id>.json exports (default annotation/exports); "
            "repeatable: the annotations of one document in several folders (e.g. a blind "
            "second annotation pulled from another project) are imported into one task."
        ),
    ] = None,
    predictions: Annotated[
        str, typer.Option(help="Pre-annotations: 'none' or 'spacy' (fr_core_news_md entities).")
    ] = "none",
    replace: Annotated[
        bool,
        typer.Option(
            help="Delete and re-import tasks already in the project; refused when the "
            "project holds annotations the exports lack (pull first) unless --force."
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="With --replace: drop editor work not in the exports.")
    ] = False,
    blind: BlindOpt = False,
    document: Annotated[
        list[str] | None, typer.Option("--document", "-d", help="Only these document ids.")
    ] = None,
    worksheets: Annotated[
        Path | None,
        typer.Option(
            help="Import the annotations of the worksheets in this folder "
            "(<doc>.<annotator>.yaml) instead of the exports."
        ),
    ] = None,
    instructions: Annotated[
        Path, typer.Option(help="Markdown shown as the project's labeling instructions.")
    ] = Path("annotation/INSTRUCTIONS.md"),
    ml_backend: Annotated[
        str | None,
        typer.Option(
            help="URL of a running `nkru studio backend`: connect it to the project, so "
            "that its pre-annotations show on every task opened."
        ),
    ] = None,
) -> None:
    """Create/update the project (labeling config; annotation/INSTRUCTIONS.md rendered to HTML
    as the instructions shown in the labeling interface) and import one task per document,
    with the annotations from the exports folder or from worksheets (each with its annotator)
    and optional spaCy predictions."""
    if predictions not in ("none", "spacy"):
        raise fail(f"--predictions must be 'none' or 'spacy', not {predictions!r}", 2)
    try:
        html = instructions_html(resolve_path(instructions))
    except InstructionsError as exc:
        raise fail(str(exc), 2) from exc
    docs = _documents(document)
    try:
        if worksheets is None:
            folders = [resolve_path(f) for f in exports_dir or [Path("annotation/exports")]]
            stored = exports.merge_exports(folders)
            files = {
                d: " + ".join(str(f / f"{d}.json") for f in folders if (f / f"{d}.json").is_file())
                for d in stored
            }
        else:
            stored = _worksheet_tasks(resolve_path(worksheets))
            files = {d: str(resolve_path(worksheets)) for d in stored}
    except (exports.ExportError, convert.ConvertError) as exc:
        raise fail(str(exc), 2) from exc
    base, ls = _connect(*_where(url, data_dir, blind))
    client = _client()
    try:
        if ml_backend:
            if client.is_blind(ls):
                raise fail(client.BLIND_NO_MODEL, 2)
            client.check_backend(ml_backend)
        report = client.push(
            ls,
            docs,
            stored,
            title=title,
            predictions=None if predictions == "none" else predictions,
            replace=replace,
            base_url=base,
            instructions=html,
            force=force,
            files=files,
        )
        backend_state = (
            client.connect_backend(ls, report.project_id, ml_backend) if ml_backend else None
        )
    except (convert.ConvertError, client.InvalidAnnotations, client.WorkWouldBeLost) as exc:
        raise fail(f"{exc}\nnothing imported", 2) from exc
    except client.ClientError as exc:
        raise fail(str(exc), 1) from exc
    console.print(f"project {title!r}: {report.project_url}")
    if report.blind:
        console.print("blind server: tasks imported with their text only (no annotation)")
    if backend_state is not None:
        console.print(f"ML backend {ml_backend}: {backend_state}")
    console.print(
        f"imported {len(report.imported)} task(s) {', '.join(report.imported) or ''}; "
        f"{report.annotations} annotation(s), {report.predictions} prediction set(s)"
    )
    if report.skipped:
        console.print(
            f"skipped (already in the project; use --replace): {', '.join(report.skipped)}"
        )


def _worksheet_tasks(folder: Path) -> dict[str, dict]:
    """document id -> a task in export format holding every worksheet's annotation."""
    from .worksheet import WorksheetError, load_worksheets  # spaCy, PyYAML

    try:
        annotations = load_worksheets(sorted(folder.glob("*.yaml")))
    except WorksheetError as exc:
        raise fail(str(exc), 2) from exc
    by_doc: dict[str, list] = {}
    for annotation in annotations:
        by_doc.setdefault(annotation.document_id, []).append(annotation)
    return {
        doc_id: convert.make_task(get_document(doc_id), anns) for doc_id, anns in by_doc.items()
    }


@studio_app.command("pull")
def pull(
    url: UrlOpt = DEFAULT_URL,
    data_dir: DataDirOpt = None,
    title: TitleOpt = studio.DEFAULT_TITLE,
    exports_dir: ExportsOpt = Path("annotation/exports"),
    blind: BlindOpt = False,
) -> None:
    """Export the project and write <exports_dir>/<document_id>.json (one task each)."""
    _, ls = _connect(*_where(url, data_dir, blind))
    client = _client()
    try:
        paths = client.pull(ls, resolve_path(exports_dir), title=title)
    except convert.ConvertError as exc:
        raise fail(str(exc), 2) from exc
    except client.ClientError as exc:
        raise fail(str(exc), 1) from exc
    for path in paths:
        console.print(f"wrote {path}")


@studio_app.command("annotator")
def annotator(
    name: Annotated[str, typer.Argument(help="Annotator name: lower-case letters, digits, . _ -")],
    url: UrlOpt = DEFAULT_URL,
    data_dir: DataDirOpt = None,
    database: DatabaseOpt = None,
    reset: Annotated[
        bool, typer.Option("--reset", help="Give an existing login a new password.")
    ] = False,
    blind: BlindOpt = False,
) -> None:
    """Create a Label Studio login for an annotator (their annotations carry this identity);
    its password is stored in the data dir (mode 0600) and checked by logging in with it."""
    try:
        convert.annotator_email(name)
    except convert.ConvertError as exc:
        raise fail(str(exc), 2) from exc
    url, data_dir = _where(url, data_dir, blind)
    base, ls = _connect(url, data_dir)
    folder = Path(data_dir or studio.default_data_dir()).expanduser()
    client = _client()
    try:
        email, path, changed = client.ensure_annotator(
            ls,
            name,
            folder,
            database or (None if blind else os.environ.get(studio.DATABASE_ENV)),
            reset=reset,
        )
        if changed:
            studio.form_login(base, email, client.annotator_password(folder, email))
    except (client.ClientError, studio.StudioError) as exc:
        raise fail(str(exc), 1) from exc
    if changed:
        what = "new password for" if reset else "created login"
        console.print(f"{what} {email}; its password is in {path} (mode 0600); checked: it logs in")
    else:
        console.print(f"{email} already exists (password in {path}; --reset gives a new one)")


def validate_command(
    exports_dir: Annotated[
        Path, typer.Argument(help="Folder of Label Studio exports (<document_id>.json).")
    ] = Path("annotation/exports"),
    strict: Annotated[bool, typer.Option(help="Treat warnings as errors.")] = False,
    max_problems: Annotated[int, typer.Option(help="Print at most this many problems.")] = 200,
) -> None:
    """Check every annotation of every export against the scheme and the corpus."""
    console = Console()  # created here so that the terminal width is read at run time
    folder = resolve_path(exports_dir)
    if not folder.is_dir():
        raise fail(f"{folder}: no such folder of exports", 2)
    report = validation.validate_exports(folder)  # errors: nkru.errors.NkruError, exit 2
    for problem in report.problems[:max_problems]:
        style = "red" if problem.severity == validation.ERROR else "yellow"
        console.print(f"[{style}]{problem}[/]", highlight=False, soft_wrap=True)
    if len(report.problems) > max_problems:
        console.print(f"… and {len(report.problems) - max_problems} more")
    if not report.ok(strict):
        raise fail(
            f"{len(report.errors)} error(s), {len(report.warnings)} warning(s) "
            f"in {report.files} file(s)",
            2,
        )
    console.print(validation.summary_table(report))
    console.print(f"[green]ok[/]: {report.files} file(s), {len(report.warnings)} warning(s)")


guidelines_app = typer.Typer(
    help="Annotation guidelines: blind variants without the examples of one document.",
    no_args_is_help=True,
)
DEFAULT_GUIDELINES = Path("annotation/GUIDELINES.md")


def shown_path(path: Path) -> str:
    """``path`` relative to the project root when it lies inside it."""
    try:
        return str(path.resolve().relative_to(project_root().resolve()))
    except ValueError:
        return str(path)


@guidelines_app.command("blind")
def guidelines_blind(
    document: Annotated[str, typer.Argument(help="Document id whose examples are removed.")],
    check: Annotated[
        bool, typer.Option("--check", help="Verify the existing variant instead of writing it.")
    ] = False,
    source: Annotated[Path, typer.Option(help="Guidelines to strip.")] = DEFAULT_GUIDELINES,
    output: Annotated[
        Path | None,
        typer.Option(help="Variant file (default annotation/blind/GUIDELINES-without-DOC.md)."),
    ] = None,
) -> None:
    """Write GUIDELINES-without-DOC.md: GUIDELINES.md without the list items, table rows and
    paragraphs that cite DOC as [DOC], then check it for leaks (a remaining [DOC] tag, or six
    words in a row found only in DOC's text). Exit 2 names each leaking line."""
    try:
        doc, corpus = get_document(document), load_corpus()
    except CorpusError as exc:
        raise fail(str(exc), 2) from exc
    source_path = resolve_path(source)
    if not source_path.is_file():
        raise fail(f"{source_path}: guidelines not found", 2)
    text = source_path.read_text(encoding="utf-8")
    target = resolve_path(output) if output else guidelines.default_output(project_root(), doc.id)
    shown = shown_path(target)
    if check:
        if not target.is_file():
            raise fail(f"{shown}: no such variant (make it with `nkru guidelines blind {doc.id}`)")
        variant = target.read_text(encoding="utf-8")
        problems = [
            f"{shown}:{leak.line}: {leak.message}"
            for leak in guidelines.leaks(variant, doc, corpus)
        ]
        problems += _staleness(variant, text, source_path, doc.id, shown)
    else:
        if target.is_file() and not target.read_text(encoding="utf-8").startswith(
            guidelines.HEADER_MARK
        ):
            raise fail(
                f"{shown}: exists and was not made by this command (a hand-written file is "
                "kept); choose another --output",
                2,
            )
        command = f"nkru guidelines blind {doc.id}"
        if source != DEFAULT_GUIDELINES:
            command += f" --source {shown_path(source_path)}"
        if output is not None:
            command += f" --output {shown}"
        variant, removed = guidelines.blind_variant(text, shown_path(source_path), doc.id, command)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(variant, encoding="utf-8")
        kinds = Counter(unit.kind for unit in removed)
        console.print(
            f"wrote {shown}: removed {len(removed)} unit(s) citing document {doc.id}"
            + (f" ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))})" if kinds else "")
        )
        problems = [
            f"{shown}:{leak.line}: {leak.message}"
            for leak in guidelines.leaks(variant, doc, corpus)
        ]
    for problem in problems:
        Console(stderr=True).print(problem, highlight=False, markup=False, soft_wrap=True)
    if problems:
        what = "" if check else " (written for inspection: do not give it to a blind annotator)"
        raise fail(f"{shown}: {len(problems)} problem(s) for a blind annotation of {doc.id}{what}")
    if check:
        console.print(f"ok {shown}: no leak of document {doc.id}")


def _staleness(variant: str, source: str, source_path: Path, doc_id: str, shown: str) -> list:
    """A generated variant must still be what the generator makes from the source it names;
    one made from an older source is only noted (a blind study keeps the file it used)."""

    recorded = guidelines.recorded_source_sha(variant)
    if recorded is None:
        console.print(f"note: {shown} has no generated header (written by hand): leak check only")
        return []
    if recorded != guidelines.sha256_text(source):
        console.print(
            f"note: {shown} was made from another version of {shown_path(source_path)} "
            f"(sha256 {recorded[:12]}…, now {guidelines.sha256_text(source)[:12]}…)"
        )
        return []
    body = variant.split("\n\n", 1)[1] if "\n\n" in variant else ""
    expected, _ = guidelines.strip_document(source, doc_id)
    if body == expected:
        return []
    offset = variant.count("\n", 0, len(variant) - len(body))
    got, want = body.split("\n"), expected.split("\n")
    line = next(
        (n for n, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
        min(len(got), len(want)),
    )
    return [f"{shown}:{offset + line + 1}: differs from what the generator makes from its source"]
