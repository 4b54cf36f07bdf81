"""Human-readable tables (rich) of evaluation and comparison reports."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from .problems import Problem


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _interval(low: float | None, high: float | None) -> str:
    return "–" if low is None else f"[{low:.4f}, {high:.4f}]"


def print_report(report: dict[str, Any], console: Console, warnings: Console) -> None:
    """Headline with its interval, micro/macro figures, and a per-type (per-class) table;
    the report's warnings, worded like errors (file:line: field: message), on ``warnings``."""
    head = report["headline"]
    boot = report["bootstrap"]
    console.print(
        f"[bold]{report['task']}[/]: {head['name']} = [bold]{head['value']:.4f}[/] "
        f"{int(head['level'] * 100)}% CI {_interval(head['ci_low'], head['ci_high'])} "
        f"({boot['resamples']} resamples of {boot['units']} {boot['unit']} units, "
        f"seed {boot['seed']})"
    )
    examples = report["examples"]
    if examples["missing"]:
        console.print(
            f"{examples['missing']} of {examples['gold']} gold ids had no prediction: scored "
            "as empty (--allow-missing)"
        )
    overall = Table(title="overall", show_lines=False)
    for column in ("average", "metric", "precision", "recall", "f1 / value"):
        overall.add_column(column)
    for average in ("micro", "macro"):
        for name, value in report.get(average, {}).items():
            if isinstance(value, dict):
                overall.add_row(
                    average,
                    name,
                    _fmt(value["precision"]),
                    _fmt(value["recall"]),
                    _fmt(value["f1"]),
                )
            elif isinstance(value, float):
                overall.add_row(average, name, "", "", _fmt(value))
    console.print(overall)
    per_type = report.get("per_type") or {}
    if per_type:
        first = next(iter(per_type.values()))
        # Labelled spans give each type's figures per matching criterion: the table shows strict.
        row = first.get("strict", first)
        table = Table(title="per type" + (" (strict)" if "strict" in first else ""))
        hidden = ("inc", "par", "mis", "spu", "cor", "ci_low", "ci_high")
        columns = [k for k in row if k not in hidden]
        table.add_column("type")
        for column in columns:
            table.add_column(column)
        if "ci_low" in row:
            table.add_column(f"f1 {int(head['level'] * 100)}% CI")
        for label, values in per_type.items():
            values = values.get("strict", values)
            cells = [_fmt(values[c]) for c in columns]
            if "ci_low" in row:
                cells.append(_interval(values["ci_low"], values["ci_high"]))
            table.add_row(label, *cells)
        console.print(table)
    for warning in report.get("warnings", []):
        warnings.print(str(Problem(**warning)), markup=False, highlight=False, soft_wrap=True)
    if report.get("warnings_omitted"):
        warnings.print(f"… and {report['warnings_omitted']} more warning(s) not listed")


def print_comparison(result: dict[str, Any], console: Console) -> None:
    """Both systems' headline, their difference with its interval, the p-value on the same
    unit with the smallest p its units allow, and the verdict."""
    table = Table(title=f"{result['task']}: {result['metric']}, A vs B")
    level = int(result["bootstrap"]["level"] * 100)
    p_column = f"p ({result['alternative']})"
    for column in ("A", "B", "A − B", f"{level}% CI of A − B", p_column, "smallest p", "verdict"):
        table.add_column(column)
    table.add_row(
        _fmt(result["a"]),
        _fmt(result["b"]),
        _fmt(result["delta"]),
        _interval(result["ci_low"], result["ci_high"]),
        _fmt(result["p_value"]),
        _fmt(result["p_floor"]),
        result["verdict"],
    )
    console.print(table)
    units = f"{result['test_units']} {result['test_unit']} unit(s)"
    console.print(f"test: {result['test']}, over {units}", markup=False, soft_wrap=True)
    console.print(f"A = {result['a_file']}\nB = {result['b_file']}", markup=False, soft_wrap=True)
