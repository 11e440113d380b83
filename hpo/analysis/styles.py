"""How hpo's figures look: line styles that keep coinciding curves apart, and plain tick labels.

Shared by the analysis plots and the benchmark report's figures (matplotlib is imported only when called).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["line_styles", "plain_log_axis", "plain_number"]


#: Dashes and markers that, with the colour, tell apart curves that coincide (ties).
_DASHES = ["-", "--", "-.", ":"]
_MARKERS = ["o", "s", "^", "v", "D", "P", "X", "*"]


def line_styles(labels: list) -> dict:
    """Per label, matplotlib line keywords (``color``, ``ls``, ``marker``) that differ in colour, dash and
    marker, so that two curves drawn on top of each other both stay visible; and ``offset`` in [0, 1), to
    stagger their markers (``markevery``)."""
    import matplotlib

    colors = matplotlib.colormaps["tab10"]
    n = max(1, len(labels))
    return {c: {"color": colors(i % 10), "ls": _DASHES[i % len(_DASHES)], "marker": _MARKERS[i % len(_MARKERS)],
                "offset": i / n}
            for i, c in enumerate(labels)}


def plain_log_axis(axis: Any) -> None:
    """Plain decimal labels (0.5, 20, 1e-05 when tiny) on a matplotlib log ``axis`` (``ax.xaxis`` or
    ``ax.yaxis``): on the major ticks, and, when the range drawn is shorter than about a decade and a half,
    on the minor ticks at 2, 3 and 5 (matplotlib's default writes 5x10^-1 there); decided when drawn."""
    from matplotlib.ticker import FuncFormatter

    def minor(v: float, _pos: Any) -> str:
        lo, hi = sorted(axis.get_view_interval())
        if not (lo > 0 and hi / lo < 30) or v <= 0:
            return ""
        mantissa = v / 10 ** math.floor(math.log10(v) + 1e-9)
        return plain_number(v) if any(abs(mantissa - m) < 1e-6 for m in (2.0, 3.0, 5.0)) else ""

    axis.set_major_formatter(FuncFormatter(lambda v, _pos: plain_number(v)))
    axis.set_minor_formatter(FuncFormatter(minor))


def plain_number(v: float) -> str:
    """A tick label without exponent between 1e-4 and 1e6 (1000, 0.001), else short (1e-05)."""
    return f"{v:.6g}" if v == 0 or 1e-4 <= abs(v) < 1e6 else f"{v:.3g}"
