"""Dates at the precision the author has: a year, a year and month, a full date, or a range.

``as_of: 1790``, ``as_of: 1915-01``, ``as_of: 2022-07-19`` and ``as_of: 1914/1917`` are all
dates. Each keeps the text the author wrote (shown as written, e.g. "January 1915") and the
days it covers (to sort, compare and pick dated snapshots).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic_core import PydanticCustomError

Precision = Literal["year", "month", "day"]
DATE_HELP = "write a year (1915), a year and month (1915-01), a date (1915-01-18) or a range (1914/1917)"
PART = r"\d{4}(?:-\d{2}(?:-\d{2})?)?"
DATE_PATTERN = rf"^{PART}(?:\s*(?:/|–|—)\s*{PART})?$"
_RANGE = re.compile(rf"^\s*({PART})\s*(?:/|–|—|\s-\s)\s*({PART})\s*$")
_YEARS = re.compile(r"^\s*(\d{4})-(\d{4})\s*$")  # 1914-1917: a range of years, not a month


@dataclass(frozen=True)
class Day:
    """One end of a :class:`StoryDate`: a year, month or day."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> Precision:
        return "day" if self.day else "month" if self.month else "year"

    @property
    def iso(self) -> str:
        return "-".join(
            f"{v:02d}" if i else f"{v:04d}" for i, v in enumerate((self.year, self.month, self.day)) if v
        )

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def last(self) -> dt.date:
        month = self.month or 12
        return dt.date(self.year, month, self.day or calendar.monthrange(self.year, month)[1])

    def english(self) -> str:
        """ "1915", "January 1915", "18 January 1915"."""
        if self.month is None:
            return str(self.year)
        month = calendar.month_name[self.month]
        return f"{self.day} {month} {self.year}" if self.day else f"{month} {self.year}"


@dataclass(frozen=True)
class StoryDate:
    """A date as an author wrote it: one :class:`Day`, or a range from ``start`` to ``end``."""

    start: Day
    end: Day | None = None

    @property
    def iso(self) -> str:
        """The ISO 8601 form: ``1915-01``, or ``1914/1917`` for a range."""
        return f"{self.start.iso}/{self.end.iso}" if self.end else self.start.iso

    @property
    def first(self) -> dt.date:
        return self.start.first

    @property
    def last(self) -> dt.date:
        return (self.end or self.start).last

    def english(self) -> str:
        return f"{self.start.english()}–{self.end.english()}" if self.end else self.start.english()

    def __str__(self) -> str:
        return self.iso

    @classmethod
    def parse(cls, value: Any) -> StoryDate:
        """From YAML: a date, a year (an integer), or text in one of the forms above."""
        if isinstance(value, StoryDate):
            return value
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return cls(Day(value.year, value.month, value.day))
        if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
            return cls(Day(value))
        if isinstance(value, str):
            ends = _ends(value.strip())
            if ends is not None:
                start, end = ends
                if end is not None and end.last < start.first:
                    raise PydanticCustomError(
                        "story_date_order", "the range ends before it starts: {value!r}", {"value": value}
                    )
                return cls(start, end)
        raise PydanticCustomError("story_date", "not a date: {value!r}", {"value": value})


def _ends(text: str) -> tuple[Day, Day | None] | None:
    """The one or two days written in ``text``, or None if it is not a date."""
    years = _YEARS.match(text)
    found = _RANGE.match(text)
    try:
        if years:
            return Day(int(years.group(1))), Day(int(years.group(2)))
        if found:
            return _day(found.group(1)), _day(found.group(2))
        if re.fullmatch(PART, text):
            return _day(text), None
    except ValueError:  # month 13, 30 February
        return None
    return None


def _day(text: str) -> Day:
    """``1915``, ``1915-01`` or ``1915-01-18``; ValueError for a month 13 or a 30 February."""
    day = Day(*(int(p) for p in text.split("-")))
    dt.date(day.year, day.month or 1, day.day or 1)
    return day
