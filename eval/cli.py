"""Typer command functions ``eval_command`` and ``compare_command`` (registered by nkru.app.cli).

Exit codes: 0 ok, 1 failure, 2 bad input. Problems are printed, never a traceback.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from nkru.console import Console
from nkru.errors import NkruError
from nkru.paths import data_dir as default_data_dir
from nkru.tasks import TASK_NAMES, get_task

from .api import compare, errors, load_gold, score
from .errors import write_csv
from .gold import GoldSet
from .options import ALL_SPLITS, ALTERNATIVES, BOOTSTRAP_UNITS, Options
from .problems import LIMIT, ValidationFailed
from .report import print_comparison, print_report


class BadInput(NkruError):
    """Bad input that is not a file validation problem (exit 2)."""


@contextmanager
def _exit_codes() -> Iterator[None]:
    """Turn bad input into messages on stderr and exit code 2; anything else is a bug of the
    harness and keeps its traceback."""
    err = Console(stderr=True)

    def say(text: str) -> None:
        err.print(text, markup=False, highlight=False, soft_wrap=True)

    try:
        yield
    except ValidationFailed as failed:
        for problem in failed.problems:
            say(str(problem))
        if failed.omitted:
            say(f"… and {failed.omitted} more problem(s) not listed ({LIMIT} per file at most)")
        err.print(f"{failed.errors} error(s); nothing scored.", highlight=False)
        raise typer.Exit(2) from None
    except (BadInput, ValueError) as bad:
        say(f"error: {bad}")
        raise typer.Exit(2) from None
    except OSError as bad:
        name = bad.filename if bad.filename is not None else "input"
        say(f"error: cannot read {name}: {bad.strerror or bad}")
        raise typer.Exit(2) from None


def _label_map(path: Path | None) -> dict[str, str | None] | None:
    if path is None:
        return None
    try:
        mapping = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as bad:
        raise BadInput(
            f"{path}: label map is not valid JSON: {bad.msg} (line {bad.lineno})"
        ) from None
    if not isinstance(mapping, dict):
        raise BadInput(f"{path}: label map must be a JSON object of labels to labels or null")
    for key, value in mapping.items():
        if not isinstance(value, str | None):
            raise BadInput(
                f"{path}: label map field {key!r}: expected a label (string) or null (drop "
                f"the label), got {json.dumps(value)}"
            )
    return mapping


def _gold(
    task: str,
    gold: Path | None,
    split: str | None,
    data_dir: Path | None,
    label_map: dict[str, str | None] | None,
) -> GoldSet:
    get_task(task)
    if (gold is None) == (split is None):
        raise BadInput("give exactly one of --gold FILE or --split NAME")
    if gold is not None:
        return load_gold(task, gold, label_map=label_map)
    data_dir = data_dir if data_dir is not None else default_data_dir()
    if not data_dir.is_dir():
        raise BadInput(f"dataset folder {data_dir} not found (set --data-dir)")
    try:
        return load_gold(task, split=split, data_dir=data_dir, label_map=label_map)
    except ValidationFailed:
        raise
    except Exception as bad:  # datasets raises many types for a bad folder/config/split
        raise BadInput(f"cannot load split {split!r} of {task!r} from {data_dir}: {bad}") from None


def _setup(
    task: str,
    gold: Path | None,
    split: str | None,
    data_dir: Path | None,
    label_map: Path | None,
    allow_missing: bool,
    resamples: int,
    seed: int,
    unit: str,
) -> tuple[GoldSet, Options]:
    """The gold and the options of a command, from its arguments (bad ones: exit 2)."""
    _check_unit(unit)
    mapping = _label_map(label_map)
    gold_set = _gold(task, gold, split, data_dir, mapping)
    return gold_set, Options(allow_missing, mapping, resamples, seed, unit)


def _check_output(output: Path | None) -> None:
    """Refuse, before any work, a report path that cannot be written."""
    if output is None:
        return
    folder = output.parent
    if output.is_dir():
        raise BadInput(f"cannot write {output}: it is a folder")
    if not folder.is_dir():
        raise BadInput(f"cannot write {output}: no such folder {folder}")
    if not os.access(folder, os.W_OK) or (output.exists() and not os.access(output, os.W_OK)):
        raise BadInput(f"cannot write {output}: permission denied")


def _write(output: Path | None, result: dict[str, Any]) -> None:
    if output is None:
        return
    try:
        output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as bad:
        raise BadInput(f"cannot write {output}: {bad.strerror or bad}") from None


def _check_unit(unit: str) -> None:
    if unit not in BOOTSTRAP_UNITS:
        raise BadInput(f"--bootstrap-unit must be one of {', '.join(BOOTSTRAP_UNITS)}")


TaskArg = Annotated[str, typer.Argument(help=f"Task: {', '.join(TASK_NAMES)}.")]
GoldOpt = Annotated[Path | None, typer.Option(help="Gold JSON Lines file (same format).")]
SplitOpt = Annotated[
    str | None,
    typer.Option(help=f"Gold from this split of the built dataset ({ALL_SPLITS!r}: every split)."),
]
DataDirOpt = Annotated[
    Path | None,
    typer.Option(help="Built dataset folder (default: the project's data/, as nkru build uses)."),
]
SeedOpt = Annotated[int, typer.Option(min=0, help="Random seed of the bootstrap/randomisation.")]
UnitOpt = Annotated[
    str,
    typer.Option(
        help="Resampling unit: example (sentences for attribution), document, or nested "
        "(documents, then examples within them)."
    ),
]
MissingOpt = Annotated[bool, typer.Option(help="Score gold ids without prediction as empty.")]
LabelMapOpt = Annotated[
    Path | None, typer.Option(help="JSON object mapping NER labels (null drops a label).")
]
OutputOpt = Annotated[Path | None, typer.Option(help="Write the JSON report here.")]
ErrorsOpt = Annotated[
    Path | None,
    typer.Option(
        "--errors",
        help="Write every error (one CSV row each, with its kind and context) here.",
    ),
]


EVAL_EXAMPLES = """Examples:

  nkru eval ner predictions.jsonl --split test
  nkru eval stance predictions.jsonl --split all --bootstrap-unit nested --output report.json
  nkru eval ner predictions.conll --gold gold.jsonl --label-map eval/samples/spacy_label_map.json

The file format of each task: eval/FORMAT.md."""


def eval_command(
    task: TaskArg,
    predictions: Annotated[
        Path,
        typer.Argument(help="Predictions, JSON Lines (ner also CoNLL token/tag: .conll, .bio)."),
    ],
    gold: GoldOpt = None,
    split: SplitOpt = None,
    data_dir: DataDirOpt = None,
    output: OutputOpt = None,
    allow_missing: MissingOpt = False,
    label_map: LabelMapOpt = None,
    bootstrap: Annotated[int, typer.Option(min=0, help="Bootstrap resamples (0: none).")] = 1000,
    seed: SeedOpt = 0,
    bootstrap_unit: UnitOpt = "example",
    errors_csv: ErrorsOpt = None,
) -> None:
    """Validate a prediction file and score it against gold, with bootstrap intervals."""
    with _exit_codes():
        _check_output(output)
        _check_output(errors_csv)
        gold_set, options = _setup(
            task, gold, split, data_dir, label_map, allow_missing, bootstrap, seed, bootstrap_unit
        )
        result = score(task, gold_set, predictions, options).to_dict()
        _write(output, result)
        print_report(result, Console(), Console(stderr=True))
        if errors_csv is not None:
            listed = errors(task, gold_set, predictions, options)
            try:
                count = write_csv(listed, errors_csv)
            except OSError as bad:
                raise BadInput(f"cannot write {errors_csv}: {bad.strerror or bad}") from None
            Console(stderr=True).print(
                f"{count} error(s) listed in {errors_csv}", markup=False, soft_wrap=True
            )


def compare_command(
    task: TaskArg,
    a: Annotated[Path, typer.Argument(help="Predictions of system A, JSON Lines.")],
    b: Annotated[Path, typer.Argument(help="Predictions of system B, JSON Lines.")],
    gold: GoldOpt = None,
    split: SplitOpt = None,
    data_dir: DataDirOpt = None,
    seed: SeedOpt = 0,
    resamples: Annotated[int, typer.Option(min=0, help="Resamples of each test.")] = 1000,
    bootstrap_unit: UnitOpt = "example",
    allow_missing: MissingOpt = False,
    label_map: LabelMapOpt = None,
    output: OutputOpt = None,
    alternative: Annotated[
        str,
        typer.Option(
            help="The test's alternative: two-sided (A differs from B), greater (A is better) "
            "or less (A is worse)."
        ),
    ] = "two-sided",
) -> None:
    """Compare two prediction files on the same gold: difference, interval, p-value and
    verdict, the test on the interval's unit (documents for document and nested)."""
    with _exit_codes():
        _check_output(output)
        if alternative not in ALTERNATIVES:
            raise BadInput(f"--alternative must be one of {', '.join(ALTERNATIVES)}")
        gold_set, options = _setup(
            task, gold, split, data_dir, label_map, allow_missing, resamples, seed, bootstrap_unit
        )
        result = compare(task, gold_set, a, b, options, alternative).to_dict()
        _write(output, result)
        print_comparison(result, Console())
