"""Figures, their targets (from the performance issue) and how they are shown.

Sizes use SI units throughout: 1 KB = 1,000 bytes, 1 MB = 1,000,000 bytes.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

KB = 1_000
MB = 1_000_000

# id → (target, unit). Every target is an upper bound ("at most").
TARGETS: dict[str, float] = {
    "tour.key_to_move": 50.0,  # ms
    "tour.settled": 250.0,  # ms
    "tour.ws_bytes_per_step": 3 * KB,
    "tour.remounts": 0,
    "tour.first_map": 1500.0,  # ms
    # The newsroom issue: the first map within 0.3 s of an empty Streamlit page (Streamlit's own boot).
    "tour.first_map_over_floor": 300.0,  # ms
    "export.key_to_move": 16.0,  # ms
    "export.size": 1 * MB,
    # The export on a mid-tier phone (bench/phone.py): map usable, plain and gzipped.
    "phone.usable_plain": 2500.0,  # ms
    "phone.usable_gzip": 1500.0,  # ms
    "geodata.bytes": 1.5 * MB,
    "geodata.cold": 10_000.0,  # ms
    "geodata.cached": 200.0,  # ms
    "validate.200_steps": 1000.0,  # ms
    # 20 readers on one server vs 1 (the hardening issue): at most twice as slow, no errors.
    "load.burst_ratio_p50": 2.0,
    "load.burst_ratio_p95": 2.0,
    "load.paced_ratio_p50": 2.0,
    "load.paced_ratio_p95": 2.0,
    "load.errors": 0,
    # 500 step changes in one session: bounded memory, nothing accumulating.
    "long.server_rss_growth": 20 * MB,
    "long.server_rss_growth_warm": 20 * MB,
    "long.js_heap_growth": 20 * MB,
    "long.js_heap_growth_warm": 20 * MB,
    "long.leaflet_layers_delta": 0,
    "long.tooltips_delta": 0,
    "long.frame_nodes_delta": 0,
    "long.errors": 0,
}


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


@dataclass
class Figure:
    """One measured figure: the median of its runs, the target and the baselines beside it."""

    id: str
    group: str
    label: str
    unit: str  # "ms", "bytes", "count"
    value: float | None = None
    runs: list[float] = field(default_factory=list)
    baselines: dict[str, float | None] = field(default_factory=dict)
    note: str = ""
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def target(self) -> float | None:
        return TARGETS.get(self.id)

    @property
    def met(self) -> bool | None:
        if self.target is None or self.value is None:
            return None
        return self.value <= self.target

    def ratio(self, baseline: str) -> float | None:
        other = self.baselines.get(baseline)
        if self.value is None or other is None or other == 0:
            return None
        return self.value / other

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["target"] = self.target
        data["met"] = self.met
        data["ratios"] = {name: self.ratio(name) for name in self.baselines}
        return data


def from_runs(id: str, group: str, label: str, unit: str, runs: list[float], **kwargs: Any) -> Figure:
    """A figure whose value is the median of ``runs``."""
    return Figure(id=id, group=group, label=label, unit=unit, value=median(runs), runs=runs, **kwargs)


def unavailable(id: str, group: str, label: str, unit: str, why: str) -> Figure:
    return Figure(id=id, group=group, label=label, unit=unit, error=why)


def fmt(value: float | None, unit: str) -> str:
    """A value for the table: ms below 10 s, else seconds; bytes as B / KB / MB."""
    if value is None:
        return "—"
    if unit == "ms":
        if value >= 10_000:
            return f"{value / 1000:.1f} s"
        if value >= 1000:
            return f"{value / 1000:.2f} s"
        return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
    if unit == "bytes":
        if abs(value) >= MB:
            return f"{value / MB:.2f} MB"
        if abs(value) >= KB:
            return f"{value / KB:.1f} KB"
        return f"{value:.0f} B"
    if unit == "count":
        return f"{value:g}"
    if unit == "ratio":
        return f"{value:.2f}×"
    return f"{value:g} {unit}"


def fmt_target(figure: Figure) -> str:
    target = figure.target
    if target is None:
        return "—"
    if figure.unit == "count":
        return f"{target:g}"
    return "≤ " + fmt(target, figure.unit)


def fmt_ratio(figure: Figure, baseline: str) -> str:
    other = figure.baselines.get(baseline)
    if figure.value is None or other is None:
        return "—"
    if figure.unit == "count":
        return f"{figure.value:g} vs {other:g}"
    ratio = figure.ratio(baseline)
    if ratio is None:
        return "—"
    return f"{ratio:.3f}×" if ratio < 0.1 else f"{ratio:.2f}×"
