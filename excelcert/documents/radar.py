"""The radar chart of a benchmarking report: a cluster's category shares against its peers'
medians, drawn with matplotlib (no display needed)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from excelcert.documents.charts import Blitted, new_figure

if TYPE_CHECKING:
    from matplotlib.artist import Artist

_Legend = tuple[tuple[str, str], ...]  # each series' label and colour, the cluster's first


def radar_chart(names: list[str], series: list[tuple[str, list[float], str]]) -> bytes:
    """A radar (spider) chart of category shares in percent: one closed line per series
    (the cluster filled, the medians as lines). PNG bytes.

    What is the same for every cluster of a language and scheme (the circles, the category
    names, the percentages, the legend) is drawn once per process; each cluster's lines and
    fill are drawn onto a copy of it (see `charts.Blitted`)."""
    legend = tuple((label, colour) for label, _, colour in series)
    return _radar(tuple(names), legend).render([values for _, values, _ in series])


@lru_cache(maxsize=12)  # one per language, scheme and legend (1-3 series); about 8 MB each
def _radar(names: tuple[str, ...], legend: _Legend) -> _Radar:
    return _Radar(names, legend)


class _Radar(Blitted):
    """The figure of one set of names and series, its series drawn only in `render`.

    Drawn from scratch, matplotlib paints in this order: the cluster's fill; the spokes and
    the category names; the circles and their percentages; the lines; the outer circle;
    the legend. The background has the names, the percentages and the legend; each cluster
    gets its fill, the grid, its lines and the outer circle, in that order: the grid stays
    over the fill, and the picture is the one drawn from scratch (the tests' reference),
    but for a percentage under the fill: a little darker, as if seen through it."""

    def __init__(self, names: tuple[str, ...], legend: _Legend):
        import textwrap

        import numpy as np

        fig, canvas = new_figure(6.6, 4.6, typeface="DejaVu Sans")
        super().__init__(fig, canvas)
        ax: Any = fig.add_axes((0.24, 0.2, 0.52, 0.66), projection="polar")  # PolarAxes
        angles = np.linspace(0, 2 * np.pi, len(names), endpoint=False)
        self.closed = np.concatenate([angles, angles[:1]])
        zeros = np.zeros(len(self.closed))
        self.lines = []
        for n, (label, colour) in enumerate(legend):
            (line,) = ax.plot(
                self.closed,
                zeros,
                color=colour,
                linewidth=2.4 if n == 0 else 1.6,
                linestyle="-" if n < 2 else "--",
                label=label,
                animated=True,
            )
            self.lines.append(line)
        (self.fill,) = ax.fill(self.closed, zeros, color=legend[0][1], alpha=0.18, animated=True)
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
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=len(legend), frameon=False, fontsize=8)
        # the grid: the spokes (in the names' axis) and the circles (in the percentages' axis)
        self.grid = [
            tick.gridline
            for axis, count in ((ax.xaxis, len(names)), (ax.yaxis, 4))
            for tick in axis.get_major_ticks()[:count]
        ]
        self.spine = ax.spines["polar"]  # the outer circle
        self.spine.set_animated(True)
        for line in self.grid:  # drawn with their axis' labels: hidden from the background
            line.set_visible(False)
        self.keep_background()
        for line in self.grid:
            line.set_visible(True)

    def show(self, series: list[list[float]]) -> list[Artist]:
        """Each series' values (in percent, one per name) set on its line, the first's on the
        fill too; the artists drawn for a cluster, in their order."""
        import numpy as np

        for line, values in zip(self.lines, series, strict=True):
            line.set_ydata(np.concatenate([values, values[:1]]))
        self.fill.set_xy(np.column_stack([self.closed, self.lines[0].get_ydata()]))
        return [self.fill, *self.grid, *self.lines, self.spine]

    def render(self, series: list[list[float]]) -> bytes:
        return self.blit(self.show(series))
