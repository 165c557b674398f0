"""The radar chart of a benchmarking report: a cluster's category shares against its peers'
medians, drawn with matplotlib (no display needed)."""

from __future__ import annotations

import io
from typing import Any


def radar_chart(names: list[str], series: list[tuple[str, list[float], str]]) -> bytes:
    """A radar (spider) chart of category shares in percent: one closed line per series
    (the cluster filled, the medians as lines). PNG bytes."""
    import textwrap

    import matplotlib
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    matplotlib.rcParams.update(
        {"font.family": "DejaVu Sans", "font.size": 9, "text.parse_math": False}
    )  # names as typed: "$" is no formula
    figure = Figure(figsize=(6.6, 4.6), dpi=160)
    FigureCanvasAgg(figure)
    ax: Any = figure.add_axes((0.24, 0.2, 0.52, 0.66), projection="polar")  # PolarAxes
    angles = np.linspace(0, 2 * np.pi, len(names), endpoint=False)
    closed = np.concatenate([angles, angles[:1]])
    for n, (label, values, colour) in enumerate(series):
        data = np.concatenate([values, values[:1]])
        ax.plot(
            closed, data, color=colour, linewidth=2.4 if n == 0 else 1.6, linestyle="-" if n < 2 else "--", label=label
        )
        if n == 0:
            ax.fill(closed, data, color=colour, alpha=0.18)
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    ax.set_xticks(angles, [textwrap.fill(name, 22) for name in names])
    ax.set_ylim(0, 100)
    ax.set_yticks([25, 50, 75, 100], ["25 %", "50 %", "75 %", "100 %"], fontsize=7, color="#595959")
    ax.set_rlabel_position(180 / len(names))  # between the first two axes, clear of the names
    for label, angle in zip(ax.get_xticklabels(), angles, strict=True):  # names outside the circle, never across it
        side = np.sin(angle)
        label.set_horizontalalignment("left" if side > 0.1 else "right" if side < -0.1 else "center")
    ax.tick_params(axis="x", pad=8)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=len(series), frameon=False, fontsize=8)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
