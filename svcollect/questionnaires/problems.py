"""Problems found in questionnaire files, each reported as ``file:line: message``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

#: A location inside the parsed content: mapping keys and list indexes, outermost first.
PathT = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a questionnaire file, at a 1-based line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class QuestionnaireError(Exception):
    """Raised when questionnaire files have problems; lists every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


@dataclass
class Report:
    """Collects problems for one file, turning content paths into line numbers."""

    file: str
    line_of: Callable[[PathT], int] = field(default=lambda path: 1)
    _problems: list[Problem] = field(default_factory=list)

    def at(self, where: PathT | int, message: str) -> None:
        """Record a problem at a content path (or directly at a line number)."""
        line = where if isinstance(where, int) else self.line_of(where)
        problem = Problem(self.file, max(line, 1), message)
        if problem not in self._problems:
            self._problems.append(problem)

    @property
    def problems(self) -> list[Problem]:
        """The problems so far, ordered by line (first found first within a line)."""
        return sorted(self._problems, key=lambda problem: problem.line)

    @property
    def has_problems(self) -> bool:
        """Whether any problem has been recorded."""
        return bool(self._problems)
