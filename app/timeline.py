"""Which snapshot of a time-aware layer a date shows, and what is wrong with a layer's dates.

A layer with ``snapshots`` is a set of dated files. A step shows the snapshot its date falls
in, read at the precision the author wrote: a step dated ``2015`` covers the whole year, so
it is inside a snapshot of ``2015-09`` to ``2015-12``. A date that covers several snapshots
(a year, a range) shows the one in force on its last day, or else the latest it overlaps:
the state at the end of the period the step describes. A step without a date shows the
latest snapshot. The validator and the map both choose through :func:`pick`, so what is
checked is what is drawn.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from app.dates import StoryDate
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
