"""``python -m nkru.baselines``: list the systems, run them on the built dataset, write predictions.

Output layout (``--out``, default ``results/baselines``)::

    <out>/fixed/<task>/<system>/<split>.jsonl     fit on train, predict validation/test
    <out>/fixed/<task>/<system>/model.joblib      the fitted system (with --save-models)
    <out>/lodo/<task>/<system>/<document>.jsonl   leave-one-document-out, one file per fold
    <out>/runs.json                               what ran, row counts, fit/predict seconds

With ``--score`` each prediction set is also scored by ``nkru.eval`` (headline value, and
mean/std over the LODO folds); the spaCy NER reference is scored with its label map after
dropping the gold labels it does not have.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from nkru.console import Console
from nkru.schema import TASKS
from nkru.splits import SPLITS

from .io import load_rows
from .protocol import SEED, Row
from .reference import SPACY_LABEL_MAP
from .registry import is_reference, systems
from .runner import RunResult, fixed_split, leave_one_document_out, summarize

app = typer.Typer(
    help="NKRU-FR scikit-learn baselines and reference systems.", no_args_is_help=True
)
console = Console(stderr=True)


def available_splits(task: str, data_dir: Path) -> dict[str, list[Row]]:
    """Rows of every split of ``task`` that the built dataset has (``<config>/<split>.parquet``)."""
    return {
        split: load_rows(task, split, data_dir)
        for split in SPLITS
        if (data_dir / task / f"{split}.parquet").exists()
    }


def score_predictions(task: str, name: str, gold_rows: list[Row], predictions: list[dict]) -> float:
    """Headline score by ``nkru.eval`` (without bootstrap)."""
    from nkru.eval.api import score
    from nkru.eval.gold import gold_from_rows

    label_map = SPACY_LABEL_MAP if (task, name) == ("ner", "spacy") else None
    report = score(
        task, gold_from_rows(task, gold_rows), predictions, bootstrap=0, label_map=label_map
    )
    return float(report["headline"]["value"])


def _record(result: RunResult, **extra: Any) -> dict[str, Any]:
    return {
        "task": result.task,
        "system": result.system,
        "train_examples": result.train_examples,
        "test_examples": result.test_examples,
        "fit_seconds": round(result.fit_seconds, 3),
        "predict_seconds": round(result.predict_seconds, 3),
        "path": str(result.path) if result.path else None,
        **extra,
    }


@app.command("list")
def list_systems() -> None:
    """Every system per task."""
    table = Table("task", "system", "kind", "description")
    for task in TASKS:
        for name, factory in systems(task).items():
            kind = "reference" if is_reference(task, name) else "baseline"
            table.add_row(task, name, kind, factory(SEED).description)
    Console().print(table)


@app.command()
def run(
    tasks: Annotated[list[str] | None, typer.Argument(help="tasks (default: all)")] = None,
    system: Annotated[list[str] | None, typer.Option(help="system names (default: all)")] = None,
    protocol: Annotated[str, typer.Option(help="fixed, lodo or both")] = "both",
    data_dir: Annotated[Path, typer.Option(help="built dataset folder")] = Path("data"),
    out: Annotated[Path, typer.Option(help="output folder")] = Path("results/baselines"),
    seed: Annotated[int, typer.Option(help="random seed")] = SEED,
    save_models: Annotated[bool, typer.Option(help="save fitted systems (joblib)")] = False,
    score: Annotated[bool, typer.Option(help="score with nkru.eval")] = False,
) -> None:
    """Run baselines on the built dataset and write prediction files."""
    if protocol not in ("fixed", "lodo", "both"):
        raise typer.BadParameter("protocol must be fixed, lodo or both")
    records: list[dict[str, Any]] = []
    for task in tasks or list(TASKS):
        if task not in TASKS:
            raise typer.BadParameter(f"unknown task {task!r}")
        rows_by_split = available_splits(task, data_dir)
        if not rows_by_split:
            console.print(f"[yellow]{task}: no split in {data_dir}/{task}, skipped")
            continue
        for name in system or list(systems(task)):
            if name not in systems(task):
                continue
            if protocol in ("fixed", "both") and rows_by_split.get("train"):
                results = fixed_split(
                    task, name, rows_by_split, seed, out / "fixed" / task / name, save_models
                )
                for split, result in results.items():
                    extra: dict[str, Any] = {"protocol": "fixed", "split": split}
                    if score:
                        extra["score"] = score_predictions(
                            task, name, rows_by_split[split], result.predictions
                        )
                    records.append(_record(result, **extra))
                    console.print(f"{task}/{name} fixed {split}: {extra.get('score', 'done')}")
            all_rows = [r for rows in rows_by_split.values() for r in rows]
            documents = {r["document_id"] for r in all_rows}
            if protocol in ("lodo", "both") and len(documents) >= 2:
                results = leave_one_document_out(
                    task, name, all_rows, seed, out / "lodo" / task / name
                )
                scores = {}
                for doc, result in results.items():
                    extra = {"protocol": "lodo", "document": doc}
                    if score:
                        gold = [r for r in all_rows if r["document_id"] == doc]
                        extra["score"] = scores[doc] = score_predictions(
                            task, name, gold, result.predictions
                        )
                    records.append(_record(result, **extra))
                if scores:
                    summary = summarize(scores)
                    records.append(
                        {"task": task, "system": name, "protocol": "lodo-summary", **summary}
                    )
                    console.print(
                        f"{task}/{name} LODO: {summary['mean']:.3f} "
                        f"± {summary['std']:.3f} over {summary['n']} documents"
                    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "runs.json").write_text(
        json.dumps(records, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    console.print(f"wrote {out / 'runs.json'} ({len(records)} records)")
