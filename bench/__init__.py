"""The storymap benchmark: ``python -m bench`` (see the README, Performance).

The browser figures live in :mod:`bench.browser`, the pure-Python ones (validation of a big
generated story, preparation of a big generated layer) in :mod:`bench.pure`; many readers on
one server and one long session (opt-in groups ``load`` and ``long``) in :mod:`bench.sessions`; targets and
formatting in :mod:`bench.figures`; the command line in :mod:`bench.cli`.
"""

from bench.figures import TARGETS, Figure
from bench.pure import measure_geodata, measure_validate

__all__ = ["TARGETS", "Figure", "measure_geodata", "measure_validate"]
