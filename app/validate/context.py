"""What the checks of one story share: the parsed file, what is known so far, the problems found."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.errors import Problem, Severity, did_you_mean, known
from app.geodata import LayerData
from app.models import FrontMatter
from app.parse import RawStory


@dataclass
class Context:
    """One story being checked. ``layer_ids``/``source_ids`` are None when the front matter
    could not be read, so references to them cannot be checked."""

    raw: RawStory
    strict: bool = False
    problems: list[Problem] = field(default_factory=list)
    meta: FrontMatter | None = None
    layer_ids: set[str] | None = None
    source_ids: set[str] | None = None
    overlay_ids: set[str] = field(default_factory=set)
    layers: dict[str, LayerData] = field(default_factory=dict)

    @property
    def shown(self) -> str:
        return self.raw.shown

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def report(
        self,
        line: int | None,
        message: str,
        fix: str | None = None,
        *,
        step: str | None = None,
        severity: Severity = "error",
    ) -> None:
        self.problems.append(Problem(self.shown, line, message, fix, step, severity))

    def unknown(self, line: int | None, what: str, value: str, names: set[str], step: str | None) -> None:
        """An id that is not declared, with a did-you-mean or the known ids."""
        fix = did_you_mean(value, names) or known(names, f"{what}s")
        self.report(line, f'unknown {what} "{value}"', fix, step=step)
