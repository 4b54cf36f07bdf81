"""The ``nkru`` command line. Exit codes: 0 ok, 1 failure, 2 bad input.

Every subsystem's commands live next to the code they drive and are registered here. The
commands that need the optional extras (spaCy, scikit-learn, matplotlib, the Label Studio
SDK: `pip install nkru[baselines,report,studio]`) import them when they run, not when the
command line starts, so that `nkru --help` stays fast and `pip install nkru` alone gives
`nkru eval` and `nkru compare` (measured: `python -X importtime -c "import nkru.app.cli"`).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.markup import escape
from rich.table import Table

from nkru.console import CommandGroup, Console, fail, missing_extra, unwrap_help
from nkru.corpus import get_document, load_corpus
from nkru.paths import exports_dir, project_root, results_dir
from nkru.records import Annotation
from nkru.rows import BuildError
from nkru.segment import content_sentences, sentences
from nkru.splits import split_of
from nkru.stats import LAYERS, annotation_counts

from ..annotation.cli import (
    guidelines_app,
    resolve_path,
    shown_path,
    studio_app,
    validate_command,
)
from ..annotation.convert import task_annotations
from ..annotation.exports import read_exports
from ..eval.cli import EVAL_EXAMPLES, compare_command, eval_command
from .benchmark.cli import benchmark_command
from .benchmark.leaderboard import replace_section, update_readme
from .dataset.cli import build_command, publish_command
from .dataset.ground_truth import load_ground_truth
from .readme_counts import replace_corpus_table, replace_table

if TYPE_CHECKING:
    from .review import Review

app = typer.Typer(
    cls=CommandGroup,
    help="NKRU-FR: annotated French news on North Korean troops alongside Russia — "
    "corpus, annotation, dataset, baselines and evaluation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()


@app.callback()
def main() -> None:
    """NKRU-FR: corpus, annotation, dataset, baselines and evaluation."""


corpus_app = typer.Typer(
    help="The corpus: a table per document (no subcommand) or `add` a new article.",
    invoke_without_command=True,
)
app.add_typer(corpus_app, name="corpus")


@corpus_app.callback()
def corpus(ctx: typer.Context) -> None:
    """Print per document its sentences, tokens, characters, boilerplate and split (a table),
    then its date, publisher / authors and title (wrapped to the terminal). `nkru corpus add
    FILE` adds an article."""
    if ctx.invoked_subcommand is not None:
        return
    console = Console()  # the terminal's width now (the module's console keeps its first one)
    docs = load_corpus()
    figures = Table(title="NKRU-FR corpus")
    for column in ("doc", "sentences", "+bp", "tokens", "chars", "boilerplate", "regions", "split"):
        figures.add_column(
            column, justify="left" if column in ("doc", "split") else "right", no_wrap=True
        )
    about = Table.grid(padding=(0, 2))  # the title wraps within its cell, under its line
    about.add_column("doc", no_wrap=True)
    about.add_column("metadata")
    totals = [0, 0, 0, 0]
    for doc in docs:
        sents = content_sentences(doc)
        n_tokens = sum(len(s.tokens) for s in sents)
        chrome = sum(b.end - b.start for b in doc.boilerplate)
        flagged = len(sentences(doc)) - len(sents)
        counts = [len(sents), flagged, n_tokens, len(doc.text)]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        try:
            split = split_of(doc.id)
        except KeyError:
            split = "none"
        share = f"{chrome / len(doc.text):.1%}"
        figures.add_row(doc.id, *map(str, counts), share, str(len(doc.boilerplate)), split)
        meta = doc.metadata
        who = " / ".join(
            [
                str(meta["publisher"] or "?"),
                ", ".join(cast(list[str], meta["authors"] or [])) or "?",
            ]
        )
        title = str(meta["title"] or "(none in text)")
        about.add_row(doc.id, f"{meta['date'] or 'unknown'} · {who}\n[italic]{escape(title)}[/]")
    figures.add_section()
    figures.add_row("all", *map(str, totals), "", "", "")
    console.print(figures)
    console.print(
        "sentences and tokens exclude boilerplate; +bp: sentences inside boilerplate; "
        "boilerplate: share of the characters, in that many regions"
    )
    console.print("\n[bold]Date · publisher / authors, and title (from the text)[/]")
    console.print(about)
    console.print("'?' / 'unknown': not stated in the text (see data/raw/manifest.json notes)")


@corpus_app.command("add")
def corpus_add(
    file: Annotated[Path, typer.Argument(help="A UTF-8 text file or an HTML page.")],
    title: Annotated[str | None, typer.Option(help="Headline, as printed.")] = None,
    publisher: Annotated[str | None, typer.Option(help="Publisher or site.")] = None,
    author: Annotated[
        list[str] | None, typer.Option("--author", help="An author (repeatable).")
    ] = None,
    date: Annotated[
        str | None, typer.Option(help="Publication date, ISO 8601 (2024-10-25, 2024-10).")
    ] = None,
    url: Annotated[str | None, typer.Option(help="Where the article was published.")] = None,
    language: Annotated[str, typer.Option(help="Language code of the text.")] = "fr",
    split: Annotated[
        str, typer.Option(help="Split of the new document (train keeps the test set fixed).")
    ] = "train",
    split_reason: Annotated[
        str | None, typer.Option(help="Why this split (recorded in the manifest).")
    ] = None,
) -> None:
    """Add an article: copy it into data/raw/ (an HTML page is kept and its text extracted),
    record sha256, metadata and split in the manifest, and propose boilerplate regions."""
    from .intake import Metadata, add_document  # trafilatura for an HTML page

    given = Metadata(title, publisher, list(author or []), date, url, language)
    added = add_document(file, given, split, split_reason)
    entry = added.entry
    size = len(added.path.read_text(encoding="utf-8"))
    console.print(
        f"added document [bold]{added.id}[/]: {added.path} "
        f"({size} characters, sha256 {entry['sha256'][:12]}…)"
    )
    if added.source is not None:
        console.print(
            f"original page kept as {added.source}; text by {entry['source']['extracted_with']}"
        )
    console.print(f"split: {entry['split']} ({entry['split_reason']})")
    for key in ("title", "publisher", "authors", "date", "url"):
        if key in entry:
            console.print(f"{key}: {entry[key] or '(unknown)'}  — {entry['notes'].get(key, '')}")
    table = Table(title=f"Proposed boilerplate regions of {added.id} (review them)")
    for column in ("start", "end", "rule", "reason", "text"):
        table.add_column(column)
    for p in added.proposals:
        table.add_row(str(p.start), str(p.end), p.rule, p.reason, p.text[:60])
    console.print(table if added.proposals else "no boilerplate region proposed")
    console.print(
        "next: review the regions in data/raw/manifest.json (drop its boilerplate_review note "
        f"when done), then `nkru studio push --document {added.id}`"
    )


app.add_typer(studio_app, name="studio")
app.add_typer(guidelines_app, name="guidelines")
app.command("validate")(validate_command)
app.command("build")(build_command)
app.command("publish")(publish_command)
app.command("eval", epilog=EVAL_EXAMPLES)(eval_command)
app.command("compare")(compare_command)
app.command("benchmark")(benchmark_command)


@studio_app.command("backend")
def backend(
    port: Annotated[int, typer.Option(help="Port on --host.")] = 9090,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    system: Annotated[
        list[str] | None,
        typer.Option(
            help="TASK=NAME: the system of a layer (default: the task's learned baseline "
            "with the best cross-document score on the leaderboard); repeatable."
        ),
    ] = None,
    fit_on: Annotated[
        str, typer.Option(help="'train': the benchmark's training split; 'all': every split.")
    ] = "train",
    data: Annotated[Path, typer.Option(help="Built dataset folder.")] = Path("data"),
    leaderboard: Annotated[
        Path, typer.Option(help="Leaderboard with the systems' cross-document scores.")
    ] = Path("results/leaderboard.json"),
) -> None:
    """Serve the baselines' pre-annotations to Label Studio (its ML backend protocol: /health,
    /setup, /predict, /webhook). Connect it with `nkru studio push --ml-backend URL`."""
    try:  # FastAPI, uvicorn, the baselines: the studio extra
        from .backend import serve
        from .preannotate import PreannotationError, Preannotator
    except ModuleNotFoundError as err:
        raise missing_extra(err, "studio") from None

    choice = {}
    for item in system or []:
        task, sep, name = item.partition("=")
        if not sep or not name:
            raise fail(f"--system {item!r}: expected TASK=NAME, e.g. ner=logreg", 2)
        choice[task] = name
    console.print(f"fitting the systems ({fit_on}) …")
    try:
        model = Preannotator.train(resolve_path(data), resolve_path(leaderboard), choice, fit_on)
    except PreannotationError as exc:
        raise fail(str(exc), 2) from exc
    console.print(f"model version {model.model_version}")
    console.print(f"ML backend listening on http://{host}:{port} (Ctrl-C stops it)")
    serve(model, host, port)


@app.command()
def readme(
    results: Annotated[
        Path | None,
        typer.Option(help="Results folder whose leaderboard.md is copied (default results/)."),
    ] = None,
    target: Annotated[
        Path | None,
        typer.Option("--readme", help="README with the leaderboard block (default README.md)."),
    ] = None,
) -> None:
    """Copy the benchmark's leaderboard (results/leaderboard.md) into README.md's leaderboard
    block (between <!-- leaderboard:start --> and <!-- leaderboard:end -->)."""
    board = (results or results_dir()) / "leaderboard.md"
    target = target or project_root() / "README.md"
    if not board.is_file():
        raise fail(f"{board} does not exist: run `nkru benchmark` first")
    try:
        changed = update_readme(target, board.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise fail(str(err)) from None
    console.print(f"{target}: leaderboard {'updated' if changed else 'already up to date'}")


def _reviewed_annotation(
    doc_id: str, spec: str | None, exports_dir: Path
) -> tuple[Annotation, str]:
    """The annotation to review and its description: the document's ground truth in the
    exports, a worksheet file, or an annotator (in the export, else its worksheet)."""
    from ..annotation.worksheet import load_worksheet  # PyYAML

    def worksheet(path: Path) -> tuple[Annotation, str]:
        annotation = load_worksheet(path)
        if annotation.document_id != doc_id:
            raise fail(f"{path}: a worksheet of document {annotation.document_id}, not {doc_id}")
        return annotation, f"worksheet `{shown_path(path)}` (annotator {annotation.annotator})"

    if spec is not None and (spec.endswith((".yaml", ".yml")) or "/" in spec):
        path = resolve_path(Path(spec))
        if not path.is_file():
            raise fail(f"{path}: no such worksheet", 2)
        return worksheet(path)
    task = read_exports(exports_dir).get(doc_id)
    annotations = task_annotations(task) if task else []
    export = f"`{shown_path(exports_dir / f'{doc_id}.json')}`"
    for annotation in annotations:
        if (spec is None and annotation.ground_truth) or annotation.annotator == spec:
            what = "ground truth" if spec is None else "annotation"
            return annotation, f"{what} of {doc_id} in {export} (annotator {annotation.annotator})"
    if spec is None:
        raise fail(
            f"document {doc_id} has no ground truth in {export}: name an annotator or a "
            "worksheet with --annotation",
            2,
        )
    sheet = project_root() / "annotation" / "worksheets" / f"{doc_id}.{spec}.yaml"
    if sheet.is_file():
        return worksheet(sheet)
    known = ", ".join(a.annotator for a in annotations) or "none"
    raise fail(
        f"no annotation of {doc_id} by {spec!r} in {export} (annotators: {known}) and no "
        f"worksheet {shown_path(sheet)}",
        2,
    )


@dataclass(frozen=True)
class _ReviewReport:
    """A review computed as `nkru review DOC` does, and where its files go."""

    result: Review
    text: str  # the report
    where: dict[str, int]  # disagreement key -> report line
    command: str  # the command that writes the report
    path: Path
    decisions_path: Path


def _review(
    document: str,
    annotation: str | None,
    baseline: str | None,
    exports_dir: Path,
    output: Path | None,
    decisions: Path | None,
) -> _ReviewReport:
    """The review of a document (see `nkru review`); exits 2 on bad input."""
    try:  # spaCy, scikit-learn: the baselines extra
        from ..baselines.registry import baselines
        from . import review as rv
    except ModuleNotFoundError as err:
        raise missing_extra(err, "baselines") from None

    doc = get_document(document)
    name = baseline or rv.DEFAULT_BASELINE
    learned = baselines("ner")
    if name not in learned:
        raise fail(f"no NER baseline {name!r} (available: {', '.join(learned)})", 2)
    folder = resolve_path(exports_dir)
    reviewed, description = _reviewed_annotation(doc.id, annotation, folder)
    report_path = (
        resolve_path(output)
        if output
        else project_root() / "annotation" / "review" / f"{doc.id}.md"
    )
    decisions_path = (
        resolve_path(decisions) if decisions else report_path.with_name(f"{doc.id}.decisions.yaml")
    )
    try:
        truth = load_ground_truth(folder)
        training = {i: (get_document(i), a) for i, a in sorted(truth.items()) if i != doc.id}
        decided = rv.read_decisions(decisions_path)
        comparisons = [
            rv.spacy_comparison(doc, reviewed),
            rv.baseline_comparison(doc, reviewed, training, name),
        ]
    except (rv.ReviewError, BuildError) as exc:
        for problem in exc.problems[:-1]:
            Console(stderr=True).print(problem, highlight=False, markup=False, soft_wrap=True)
        raise fail(exc.problems[-1], 2) from exc
    result = rv.review(doc, reviewed, description, comparisons, decided)
    command = f"nkru review {doc.id}" + (f" --annotation {annotation}" if annotation else "")
    text, where = rv.render(result, command, shown_path(decisions_path))
    return _ReviewReport(result, text, where, command, report_path, decisions_path)


@app.command("review")
def review_command(
    document: Annotated[str, typer.Argument(help="Document id to review.")],
    annotation: Annotated[
        str | None,
        typer.Option(
            help="A worksheet file or an annotator name (default: the document's ground truth)."
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Exit 2 if a disagreement is undecided, a decision names no disagreement, "
            "or the report is out of date; writes nothing.",
        ),
    ] = False,
    baseline: Annotated[
        str | None,
        typer.Option(help="Learned NER baseline of the registry (default logreg)."),
    ] = None,
    exports_dir: Annotated[Path, typer.Option(help="Folder of <document_id>.json exports.")] = Path(
        "annotation/exports"
    ),
    output: Annotated[
        Path | None, typer.Option(help="Report (default annotation/review/DOC.md).")
    ] = None,
    decisions: Annotated[
        Path | None,
        typer.Option(help="Decisions file (default annotation/review/DOC.decisions.yaml)."),
    ] = None,
) -> None:
    """List every entity disagreement between a document's annotation and (a) spaCy
    fr_core_news_md on the labels both share after mapping, (b) the NER baseline trained on
    the other annotated documents only; write the report with the hand-written decisions."""
    report = _review(document, annotation, baseline, exports_dir, output, decisions)
    from . import review as rv  # after _review, which says when the baselines extra is missing

    result, text, where, command = report.result, report.text, report.where, report.command
    doc, report_path, decisions_path = result.doc, report.path, report.decisions_path
    shown = shown_path(report_path)
    if check:
        problems = rv.problems(result, shown, shown_path(decisions_path), where)
        current = report_path.read_text(encoding="utf-8") if report_path.is_file() else None
        if current != text:
            problems.append(f"{shown}: out of date (run `{command}`)")
        for problem in problems:
            Console(stderr=True).print(problem, highlight=False, markup=False, soft_wrap=True)
        if problems:
            raise fail(f"review of {doc.id}: {len(problems)} problem(s)", 2)
        console.print(f"ok {shown}: every disagreement of document {doc.id} is decided")
        return
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(text, encoding="utf-8")
    n = len(result.disagreements)
    undecided = sum(1 for d in result.disagreements if result.decision(d) is None)
    console.print(
        f"wrote {shown}: {n} disagreement(s) "
        + ", ".join(f"{c.system} {len(c.disagreements)}" for c in result.comparisons)
        + f"; {n - undecided} decided, {undecided} undecided"
    )
    if undecided:
        console.print(f"undecided (fill in and add to {shown_path(decisions_path)}):")
        print(rv.skeleton(result), end="")
    if result.stale:
        console.print(
            f"[yellow]{len(result.stale)} decision(s) name no current disagreement[/] (see {shown})"
        )


ExportsArg = Annotated[
    Path | None,
    typer.Option("--exports", help="Folder of Label Studio exports (default annotation/exports)."),
]


def _export_annotations(folder: Path | None) -> dict[str, list[Annotation]]:
    """Every annotation of every committed export, by document id."""
    folder = folder or exports_dir()
    tasks = read_exports(folder)
    if not tasks:
        raise fail(f"{folder}: no exports (<document_id>.json) found")
    return {doc_id: task_annotations(task) for doc_id, task in sorted(tasks.items())}


@app.command()
def stats(
    exports: ExportsArg = None,
    all_annotations: Annotated[
        bool, typer.Option("--all", help="Every annotation, not only the ground truth.")
    ] = False,
) -> None:
    """Counts per layer and label of the ground-truth annotations (or of every annotation)."""
    by_doc = _export_annotations(exports)
    columns = [
        (doc_id, ann)
        for doc_id, anns in by_doc.items()
        for ann in anns
        if all_annotations or ann.ground_truth
    ]
    if not columns:
        raise fail("no ground-truth annotation in the exports (use --all to count every one)")
    counts = [annotation_counts(ann) for _, ann in columns]
    table = Table(title="Annotation counts" + (" (all annotations)" if all_annotations else ""))
    table.add_column("layer")
    table.add_column("label")
    for doc_id, ann in columns:
        table.add_column(f"{doc_id}\n{ann.annotator}", justify="right")
    table.add_column("total", justify="right")
    keys = sorted({k for c in counts for k in c}, key=lambda k: (LAYERS.index(k[0]), k[1]))
    for n, key in enumerate(keys):
        if n and key[0] != keys[n - 1][0]:
            table.add_section()
        values = [c[key] for c in counts]
        table.add_row(*key, *map(str, values), str(sum(values)))
    console.print(table)


@app.command()
def agreement(
    exports: ExportsArg = None,
    output: Annotated[
        Path | None, typer.Option(help="Markdown report (default annotation/agreement.md).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 0,
    resamples: Annotated[int, typer.Option(help="Bootstrap resamples.")] = 1000,
    worksheets: Annotated[
        Path | None,
        typer.Option(help="Worksheets for the independence check (default annotation/worksheets)."),
    ] = None,
) -> None:
    """Inter-annotator agreement for every document with two or more annotations.

    Writes the Markdown report and a JSON file beside it (same name, .json);
    annotation/agreement-notes.md, the project's written reading of the figures, is appended.
    Every pre-adjudication pair whose worksheets exist (<doc>.<annotator>.yaml) gets an
    independence check: shared comments, order and grouping of items, identical files."""
    files, results = _agreement_files(exports, seed, resamples, worksheets, output)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    pairs = Counter(r["document_id"] for r in results)
    console.print(
        f"wrote {' and '.join(map(str, files))}: "
        + ", ".join(f"document {d} ({n} pair{'s' * (n > 1)})" for d, n in pairs.items())
    )


def _agreement_files(
    exports: Path | None,
    seed: int = 0,
    resamples: int = 1000,
    worksheets: Path | None = None,
    output: Path | None = None,
) -> tuple[dict[Path, str], list[dict]]:
    """The agreement report (Markdown, then JSON) as `nkru agreement` writes them, and the
    pairs; exits 2 when no document has two annotations."""
    try:  # scikit-learn: the baselines extra
        from .agreement import agreement_report, compute_agreement, render_markdown
    except ModuleNotFoundError as err:
        raise missing_extra(err, "baselines") from None

    results = compute_agreement(_export_annotations(exports), seed, resamples, worksheets)
    if not results:
        raise fail("no document has two or more annotations")
    report = agreement_report(results)
    output = output or project_root() / "annotation" / "agreement.md"
    notes = project_root() / "annotation" / "agreement-notes.md"
    written = notes.read_text(encoding="utf-8") if notes.is_file() else ""
    files = {
        output: render_markdown(report, written),
        output.with_suffix(".json"): json.dumps(report, indent=2, ensure_ascii=False) + "\n",
    }
    return files, results


@app.command()
def derived(
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Write nothing; exit 1 naming every file that is out of date."
        ),
    ] = False,
    reviews: Annotated[
        bool,
        typer.Option(
            "--reviews/--no-reviews",
            help="Include the reviews (a spaCy run and a baseline fit per reviewed document).",
        ),
    ] = True,
) -> None:
    """Regenerate the committed files that follow the annotations (README tables, agreement,
    reviews).

    README.md's corpus table (from data/raw/manifest.json), counts table and leaderboard
    block (from results/leaderboard.md), annotation/agreement.md and .json, and
    annotation/review/DOC.md for every DOC.decisions.yaml, whose `keep` decisions naming a
    disagreement that is gone are dropped (printed); run it after `nkru build` and `nkru
    benchmark`. Exits 1 when a file is out of date (--check) or a review has undecided
    disagreements or a `change` decision naming none (those need a person: `nkru review DOC`)."""
    root = project_root()
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    try:
        text = replace_table(text, _export_annotations(None))
        text = replace_corpus_table(text, load_corpus())
        board = results_dir() / "leaderboard.md"
        if board.is_file():
            text = replace_section(text, board.read_text(encoding="utf-8"))
    except ValueError as err:
        raise fail(f"{readme}: {err}") from None
    expected = {readme: text, **_agreement_files(None)[0]}
    to_do: list[str] = []
    if reviews:
        from . import review as rv

        for decisions in sorted((root / "annotation" / "review").glob("*.decisions.yaml")):
            doc_id = decisions.name.split(".")[0]
            report = _review(doc_id, None, None, exports_dir(), None, None)
            kept, dropped = rv.without_moot_keeps(decisions, report.result.stale)
            if dropped and not check:
                decisions.write_text(kept, encoding="utf-8")
                for decision in dropped:
                    console.print(
                        f"dropped {shown_path(decisions)}:{decision.line} keep "
                        f"{decision.key!r}: its disagreement is gone",
                        highlight=False,
                        markup=False,
                    )
                report = _review(doc_id, None, None, exports_dir(), None, None)
            expected[report.path] = report.text
            to_do += rv.problems(
                report.result,
                shown_path(report.path),
                shown_path(report.decisions_path),
                report.where,
            )
    stale = [
        path
        for path, content in expected.items()
        if not path.is_file() or path.read_text(encoding="utf-8") != content
    ]
    for path in stale:
        if check:
            console.print(f"out of date: {shown_path(path)}", highlight=False)
        else:
            path.write_text(expected[path], encoding="utf-8")
            console.print(f"wrote {shown_path(path)}", highlight=False)
    for problem in to_do:
        Console(stderr=True).print(problem, highlight=False, markup=False, soft_wrap=True)
    if to_do:
        raise fail(
            f"{len(to_do)} review problem(s): decide them in the decisions files "
            "(`nkru review DOC` prints the undecided ones)",
            1,
        )
    if check and stale:
        raise fail(f"{len(stale)} derived file(s) out of date: run `nkru derived`", 1)
    console.print(f"{len(expected)} derived file(s) up to date")


worksheets_app = typer.Typer(
    help="Annotation worksheets (annotation/worksheets/<doc>.<annotator>.yaml); import them "
    "into Label Studio with `nkru studio push --worksheets`.",
    no_args_is_help=True,
)
app.add_typer(worksheets_app, name="worksheets")
WorksheetFiles = Annotated[
    list[Path] | None,
    typer.Argument(help="Worksheet files (default: every annotation/worksheets/*.yaml)."),
]


@worksheets_app.command("check")
def worksheets_check(files: WorksheetFiles = None) -> None:
    """Resolve every quote to offsets and run the dataset build's checks on each worksheet."""
    try:  # spaCy, PyYAML: the baselines extra
        from ..annotation.worksheet import WorksheetError, load_worksheets
    except ModuleNotFoundError as err:
        raise missing_extra(err, "baselines") from None

    try:
        annotations = load_worksheets(files)
    except WorksheetError as err:
        for problem in err.problems:
            Console(stderr=True).print(problem, highlight=False, markup=False)
        raise fail(f"{len(err.problems)} problem(s) in the worksheets") from None
    for annotation in annotations:
        counts = annotation_counts(annotation)
        console.print(
            f"ok {annotation.document_id} {annotation.annotator}"
            f"{' (ground truth)' if annotation.ground_truth else ''}: "
            f"{counts[('claim', 'CLAIM')]} claims, {counts[('source', 'SOURCE')]} sources, "
            f"{len(annotation.entities)} entities, {len(annotation.stances)} stances"
        )


unwrap_help(app)
