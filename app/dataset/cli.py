"""CLI functions registered by ``nkru.cli`` as ``nkru build`` and ``nkru publish``.

Exit codes: 0 ok, 1 failure (annotation problems, upload failed), 2 bad input (missing folder,
no token, bad repo id). Errors are messages, never tracebacks.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from nkru.console import Console, fail, missing_extra
from nkru.corpus import CorpusError
from nkru.paths import data_dir, exports_dir
from nkru.rows import BuildError
from nkru.splits import SPLITS

from .ground_truth import export_files, load_ground_truth

console = Console()


def _log(message: str) -> None:
    console.print(f"[dim]{message}[/]", highlight=False)


def build_command(
    out: Annotated[
        Path, typer.Option(help="Dataset folder to write (configs, parquet files, README.md).")
    ] = data_dir(),  # noqa: B008
    exports: Annotated[
        Path, typer.Option(help="Label Studio exports, one <doc_id>.json per document.")
    ] = exports_dir(),  # noqa: B008
) -> None:
    """Build the Hugging Face dataset (one config per task + documents) and its card."""
    try:
        from .build import build  # datasets, spaCy: the baselines extra
    except ModuleNotFoundError as err:
        raise missing_extra(err, "baselines") from None

    if not exports.is_dir():
        raise fail(f"{exports}: no such folder of Label Studio exports", 2)
    try:
        with console.status("reading ground truth…"):
            annotations = load_ground_truth(exports, log=_log)
            files = export_files(exports)
        with console.status(f"building {out}…"):
            report = build(annotations, out, exports=files, log=_log)
    except CorpusError as err:
        raise fail(str(err), 2) from None
    except BuildError as err:
        problems = "\n".join(f"  - {p}" for p in err.problems)
        message = f"cannot build the dataset ({len(err.problems)} problems):\n{problems}"
        raise fail(message, 1) from None
    splits = [s for s in SPLITS if any(s in c for c in report.counts.values())]
    table = Table(title=f"NKRU-FR dataset: {out}")
    table.add_column("config")
    for split in splits:
        table.add_column(split, justify="right")
    table.add_column("total", justify="right")
    for config, counts in report.counts.items():
        cells = [str(counts[s]) if s in counts else "—" for s in splits]
        table.add_row(config, *cells, str(sum(counts.values())))
    console.print(table)
    left_out = [s for s in SPLITS if s not in splits]
    console.print(
        f"documents built: {', '.join(report.documents)}; skipped (no ground truth): "
        f"{', '.join(report.skipped) or 'none'}; splits left out: {', '.join(left_out) or 'none'}"
    )
    console.print(
        f"{len(report.written)} files written, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed; card: {out / 'README.md'}"
    )


def publish_command(
    repo_id: Annotated[str, typer.Option("--repo-id", help="Hub dataset repo, OWNER/NAME.")],
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="No network call: write the folder that would be uploaded (to --dry-run-dir, "
            "default a new temporary folder) and print where.",
        ),
    ] = False,
    dry_run_dir: Annotated[
        Path | None,
        typer.Option(help="Folder of --dry-run (new or empty); implies --dry-run."),
    ] = None,
    public: Annotated[
        bool,
        typer.Option(
            "--public",
            help="Create the Hub repo public. Default private: the article texts belong to "
            "their publishers (DATASHEET.md, Distribution).",
        ),
    ] = False,
) -> None:
    """Upload the built dataset folder (without data/raw) to the Hugging Face Hub."""
    try:  # PyYAML, huggingface_hub: the baselines extra
        from .publish import PublishError, publish
    except ModuleNotFoundError as err:
        raise missing_extra(err, "baselines") from None

    if dry_run and dry_run_dir is None:
        dry_run_dir = Path(tempfile.mkdtemp(prefix="nkru-publish-dry-run-"))
    try:
        result = publish(repo_id, dry_run_dir, log=_log, public=public)
    except PublishError as err:
        raise fail(str(err), err.exit_code) from None
    if result.dry_run_dir is not None:
        console.print(
            f"dry run: {len(result.files)} files in {result.dry_run_dir} (nothing uploaded)",
            soft_wrap=True,
        )
    else:
        console.print(f"published {len(result.files)} files to {repo_id}: {result.url}")
