"""Structured validation problems and the one exception that carries them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One problem in an input file: where (file, line, field), what, and how bad."""

    file: str
    line: int | None
    field: str | None
    message: str
    kind: str
    severity: str = ERROR

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        what = f" {self.field}:" if self.field else ""
        return f"{where}:{what} {self.message} [{self.severity}: {self.kind}]"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return asdict(self)


class ValidationFailed(Exception):
    """Raised when input files have errors; ``problems`` lists all of them (warnings too)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == ERROR]
        super().__init__(f"{len(errors)} error(s) in the input:\n" + "\n".join(map(str, errors)))


@dataclass
class ProblemLog:
    """Collects problems found in one file."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    errors: int = 0

    def error(self, line: int | None, fld: str | None, message: str, kind: str) -> None:
        """Record an error."""
        self.problems.append(Problem(self.file, line, fld, message, kind, ERROR))
        self.errors += 1

    def warn(self, line: int | None, fld: str | None, message: str, kind: str) -> None:
        """Record a warning."""
        self.problems.append(Problem(self.file, line, fld, message, kind, WARNING))
