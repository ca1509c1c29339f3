"""Which snapshot of a time-aware layer a date shows, and what is wrong with a layer's dates.

A layer with ``snapshots`` is a set of dated files. A step shows the snapshot its date falls
in, read at the precision the author wrote: a step dated ``2015`` covers the whole year, so
it is inside a snapshot of ``2015-09`` to ``2015-12``. A date that covers several snapshots
(a year, a range) shows the one in force on its last day, or else the latest it overlaps:
the state at the end of the period the step describes. A step without a date shows the
latest snapshot. The validator and the map both choose through :func:`pick`, so what is
checked is what is drawn.

A layer with ``time`` reads each feature's dates from its properties; :func:`periods` cuts
the dates into the periods in which the same features are valid, and each period becomes a
snapshot, so everything above works on it unchanged.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from app.dates import Day, Precision, StoryDate
from app.models import LayerDef, MapState


@dataclass(frozen=True)
class Frame:
    """One snapshot as days: shown from ``first`` to ``last``, both included."""

    index: int
    label: str
    first: dt.date
    last: dt.date

    def covers(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


def frames(layer: LayerDef) -> list[Frame]:
    """The layer's snapshots in the order written (empty for a layer of one file)."""
    return [
        Frame(i, snap.title, snap.start.first, snap.end.last) for i, snap in enumerate(layer.snapshots or [])
    ]


def pick(shots: list[Frame], date: StoryDate | None) -> int | None:
    """The index of the snapshot ``date`` shows, or None if it falls outside every snapshot."""
    if not shots:
        return None
    if date is None:
        return max(shots, key=lambda f: f.last).index
    for frame in shots:
        if frame.covers(date.last):
            return frame.index
    overlapping = [f for f in shots if f.first <= date.last and date.first <= f.last]
    return max(overlapping, key=lambda f: f.last).index if overlapping else None


def step_frames(state: MapState, layers: dict[str, LayerDef]) -> dict[str, int | None]:
    """Layer id → the snapshot a step shows, for each time-aware layer the step shows."""
    return {
        lid: pick(frames(layers[lid]), state.date_of(lid))
        for lid in state.visible(layers)
        if lid in layers and layers[lid].snapshots
    }


@dataclass(frozen=True)
class Clash:
    """Two snapshots in date order that overlap (``gap`` False) or leave days between them."""

    earlier: Frame
    later: Frame
    gap: bool


def clashes(shots: list[Frame]) -> list[Clash]:
    """Overlaps and gaps between consecutive snapshots (in date order)."""
    ordered = sorted(shots, key=lambda f: (f.first, f.last))
    found = []
    for earlier, later in itertools.pairwise(ordered):
        if later.first <= earlier.last:
            found.append(Clash(earlier, later, gap=False))
        elif later.first > earlier.last + dt.timedelta(days=1):
            found.append(Clash(earlier, later, gap=True))
    return found


# The ends of a period that is open on one side (a feature with no first or last date).
EARLIEST, LATEST = Day(1), Day(9999)
_FINER: dict[Precision, Precision] = {"year": "month", "month": "day", "day": "day"}
_RANK: dict[Precision, int] = {"year": 0, "month": 1, "day": 2}


@dataclass(frozen=True)
class Span:
    """One feature's validity, as written in its properties: None where it is open-ended."""

    start: Day | None = None
    end: Day | None = None


@dataclass(frozen=True)
class Period:
    """Days in which the same features are valid: ``members`` indexes the spans valid in it."""

    start: Day
    end: Day
    label: str
    members: tuple[int, ...]


def periods(spans: list[Span]) -> list[Period]:
    """The layer's snapshots for features with validity intervals, in date order.

    Every first date, and the day after every last date, is a cut; each stretch between cuts in
    which some feature is valid becomes a period holding the features valid throughout it (a
    feature with no dates is valid always). Stretches with no feature are left out: a gap.
    """
    # Each cut, with how it was written as a first date and as a last date (the coarsest way
    # reads best): a period starting at the cut is named as its first dates were written, one
    # ending before it as its last dates were (September 2015–December 2016, then from 2017).
    cuts: dict[dt.date, dict[str, Precision]] = {}
    for span in spans:
        ends = [("first", span.start.first, span.start.precision)] if span.start else []
        if span.end and span.end.last < LATEST.last:
            ends.append(("last", span.end.last + dt.timedelta(days=1), span.end.precision))
        for kind, day, precision in ends:
            written = cuts.setdefault(day, {})
            if kind not in written or _RANK[precision] < _RANK[written[kind]]:
                written[kind] = precision
    edges: list[dt.date | None] = [None, *sorted(cuts), None]
    found = []
    for low, high in itertools.pairwise(edges):
        members = tuple(i for i, span in enumerate(spans) if _valid_throughout(span, low, high))
        if not members:
            continue
        start = EARLIEST if low is None else _start_day(low, _written(cuts[low], "first"), high)
        end = (
            LATEST
            if high is None
            else _end_day(high - dt.timedelta(days=1), _written(cuts[high], "last"), low)
        )
        found.append(Period(start, end, _label(start, end), members))
    return found


def _valid_throughout(span: Span, low: dt.date | None, high: dt.date | None) -> bool:
    """Whether the feature is valid on every day from ``low`` to the day before ``high``."""
    after_start = span.start is None or (low is not None and span.start.first <= low)
    before_end = span.end is None or (high is not None and span.end.last >= high - dt.timedelta(days=1))
    return after_start and before_end


def _written(cut: dict[str, Precision], kind: str) -> Precision:
    return cut.get(kind) or next(iter(cut.values()))


def _at(day: dt.date, precision: Precision) -> Day:
    return Day(day.year, day.month if precision != "year" else None, day.day if precision == "day" else None)


def _start_day(day: dt.date, precision: Precision, high: dt.date | None) -> Day:
    """``day`` as written at the cut (September 2015), finer if the period ends sooner."""
    found = _at(day, precision)
    while high is not None and found.last >= high and found.precision != "day":
        found = _at(day, _FINER[found.precision])
    return found


def _end_day(day: dt.date, precision: Precision, low: dt.date | None) -> Day:
    """The period's last day at the cut's precision, finer if the period began later."""
    found = _at(day, precision)
    while low is not None and found.first < low and found.precision != "day":
        found = _at(day, _FINER[found.precision])
    return found


def _label(start: Day, end: Day) -> str:
    """ "September 2015–December 2016", "until August 2015", "from 2017"; as snapshot labels."""
    if start == EARLIEST:
        return "all dates" if end == LATEST else f"until {end.english()}"
    if end == LATEST:
        return f"from {start.english()}"
    return start.english() if start == end else f"{start.english()}–{end.english()}"
