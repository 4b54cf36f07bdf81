"""Structured validation problems and the one exception that carries them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from nkru.errors import NkruError

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


class ValidationFailed(NkruError):
    """Raised when input files have errors; ``problems`` lists them (warnings too), up to
    ``LIMIT`` per file; ``omitted`` problems beyond that were counted but not kept, and
    ``errors`` counts every error, kept or not."""

    def __init__(
        self, problems: list[Problem], omitted: int = 0, errors: int | None = None
    ) -> None:
        self.problems = problems
        self.omitted = omitted
        listed = [p for p in problems if p.severity == ERROR]
        self.errors = len(listed) if errors is None else errors
        more = f"\n… and {omitted} more problem(s) not listed" if omitted else ""
        super().__init__(
            f"{self.errors} error(s) in the input:\n" + "\n".join(map(str, listed)) + more
        )

    @classmethod
    def from_logs(cls, *logs: ProblemLog) -> ValidationFailed:
        """The problems of these files' logs."""
        return cls(
            [p for log in logs for p in log.problems],
            sum(log.omitted for log in logs),
            sum(log.errors for log in logs),
        )


LIMIT = 1000
"""Problems kept per file: beyond them a file of millions of bad spans would hold (and print)
millions of messages; the rest are only counted."""


@dataclass
class ProblemLog:
    """Collects problems found in one file (the first ``limit``; the others are counted)."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    errors: int = 0
    limit: int = LIMIT
    omitted: int = 0
    # warn_repeated: per warning, its index in ``problems``, its number of lines, its last line.
    repeated: dict[tuple[str, str], tuple[int, int, int | None]] = field(default_factory=dict)

    def add(self, problem: Problem) -> None:
        """Keep a problem (or count it, beyond the limit)."""
        if len(self.problems) < self.limit:
            self.problems.append(problem)
        else:
            self.omitted += 1

    def error(self, line: int | None, fld: str | None, message: str, kind: str) -> None:
        """Record an error."""
        self.add(Problem(self.file, line, fld, message, kind, ERROR))
        self.errors += 1

    def warn(self, line: int | None, fld: str | None, message: str, kind: str) -> None:
        """Record a warning."""
        self.add(Problem(self.file, line, fld, message, kind, WARNING))

    def warn_repeated(self, line: int | None, fld: str | None, message: str, kind: str) -> None:
        """Record a warning once, however many lines repeat it: the first is kept, its message
        then says on how many lines it occurs."""
        key = (kind, message)
        if key not in self.repeated:
            self.repeated[key] = (len(self.problems), 1, line)
            self.warn(line, fld, message, kind)
            return
        index, lines, last = self.repeated[key]
        if line == last:  # lines are read in order: the same line again
            return
        self.repeated[key] = (index, lines + 1, line)
        if index < len(self.problems):
            shown = f"{message} (on {lines + 1} lines; the first is shown)"
            self.problems[index] = replace(self.problems[index], message=shown)
