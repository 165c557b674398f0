"""The pictures in the documents, drawn with matplotlib (no display needed): the letter's
chart of points by category next to the campaign median, and the certificate's emblem.
The label thresholds drawn come from `scoring.threshold_points`, the values the letter's
text states."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # matplotlib is imported where it draws: a run that draws nothing never loads it
    from collections.abc import Iterable

    from matplotlib.artist import Artist
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle
    from matplotlib.text import Text
    from matplotlib.transforms import BboxBase

LABEL_COLOURS = {"gold": "#C9A227", "silver": "#9EA3A8", "bronze": "#B0703C"}
FALLBACK = ("#1F3864", "#2E75B6", "#70AD47")


@dataclass(frozen=True)
class Bar:
    name: str
    share: float  # the cluster's points in percent of the category's maximum
    median: float  # the campaign median, in percent
    colour: str
    points: str  # as written in the text, e.g. "24 / 30"


def label_colour(label_id: str, order: int = 0) -> str:
    return LABEL_COLOURS.get(label_id, FALLBACK[order % len(FALLBACK)])


DPI = 160
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_LabelLine = tuple[str, float, str]  # a label's name, its percent, its colour
_ChartKey = tuple[tuple[tuple[str, str], ...], tuple[_LabelLine, ...], str, str]


class _AggCanvas(Protocol):
    """What is used of matplotlib's Agg canvas (whose methods matplotlib leaves unannotated)."""

    def draw(self) -> None: ...
    def copy_from_bbox(self, bbox: BboxBase) -> object: ...  # a region, to restore later
    def restore_region(self, region: object) -> None: ...
    def get_width_height(self) -> tuple[int, int]: ...
    def buffer_rgba(self) -> memoryview: ...
    def get_renderer(self) -> RendererBase: ...


@lru_cache(maxsize=1)
def _typeface() -> str:
    """The documents' typeface (Arial, or Liberation Sans, which has Arial's metrics) when
    installed, so that a chart's words look like the letter's; else matplotlib's own."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in ("Arial", "Liberation Sans") if name in installed), "DejaVu Sans")


def new_figure(width: float, height: float, typeface: str | None = None) -> tuple[Figure, _AggCanvas]:
    """A figure on the Agg canvas, without pyplot's figure manager (no display, less overhead),
    and that canvas. Its words in `typeface` (the documents' by default), as typed: names
    come from users, and "$" in them is no formula."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    matplotlib.rcParams.update({"font.family": typeface or _typeface(), "font.size": 9, "text.parse_math": False})
    fig = Figure(figsize=(width, height), dpi=DPI)
    return fig, FigureCanvasAgg(fig)


def _png(fig: Figure, *, transparent: bool | None = None) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", pil_kwargs={"compress_level": 3}, transparent=transparent)
    return out.getvalue()


class Blitted:
    """A picture drawn many times with other values (a letter's bars, a report's radar):
    what is the same each time (axes, names, legend) is drawn once, in `keep_background`;
    each picture restores that background and draws only its own artists, created with
    `animated=True` so that the background leaves them out (matplotlib's blitting)."""

    def __init__(self, fig: Figure, canvas: _AggCanvas):
        self.fig = fig
        self.canvas = canvas
        self.background: object = None

    def keep_background(self) -> None:
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)

    def blit(self, artists: Iterable[Artist]) -> bytes:
        """PNG bytes of the background with `artists` drawn over it, in this order."""
        self.canvas.restore_region(self.background)
        renderer = self.canvas.get_renderer()
        for artist in artists:
            artist.draw(renderer)
        return rgb_png(self.canvas)


def rgb_png(canvas: _AggCanvas) -> bytes:
    """The canvas (opaque) as an RGB PNG at the documents' DPI, every row unfiltered and
    deflated at level 2 by zlib-ng (the zlib format, three times as fast as zlib's own).

    Written here, not by Pillow: Pillow tries PNG's five row filters on every row and keeps
    the best, which took more than half of a picture's time; a chart, mostly flat colour and
    text, deflates as small or smaller unfiltered, and in a tenth of that time."""
    import struct
    import zlib

    import numpy as np
    from zlib_ng import zlib_ng

    width, height = canvas.get_width_height()
    pixels = np.asarray(canvas.buffer_rgba())
    rows = np.empty((height, 1 + 3 * width), np.uint8)
    rows[:, 0] = 0  # each row: its filter (none), then its pixels, the alpha left out (all opaque)
    rgb = rows[:, 1:].reshape(height, width, 3)
    for channel in range(3):  # a channel at a time: five times faster than all three in one strided copy
        rgb[:, :, channel] = pixels[:, :, channel]

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    per_metre = round(DPI / 0.0254)
    return b"".join(
        (
            PNG_SIGNATURE,
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),  # 8-bit RGB
            chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
            chunk(b"IDAT", zlib_ng.compress(rows.data, 2)),
            chunk(b"IEND", b""),
        )
    )


def category_chart(bars: list[Bar], thresholds: list[_LabelLine], median_label: str, total_label: str) -> bytes:
    """Horizontal bars (one per category, then the total), the campaign median as a black
    tick, and a dashed line per label threshold (name, percent, colour). PNG bytes.

    What is the same in every letter of a language (axes, names, thresholds, legend) is
    drawn once per process; each letter draws its bars, ticks and values onto a copy of it
    (matplotlib's blitting), which is what makes a batch of letters fast."""
    key: _ChartKey = (tuple((b.name, b.colour) for b in bars), tuple(thresholds), median_label, total_label)
    return _chart(key).render(bars)


@lru_cache(maxsize=12)  # one per language and scheme; each holds about 7 MB (the figure, its background)
def _chart(key: _ChartKey) -> _Chart:
    return _Chart(*key)


class _Chart(Blitted):
    def __init__(
        self,
        names: tuple[tuple[str, str], ...],
        thresholds: tuple[_LabelLine, ...],
        median_label: str,
        total_label: str,
    ):
        import textwrap

        count = len(names)
        self.height = 0.55 * count + 1.2
        fig, canvas = new_figure(6.6, self.height)
        super().__init__(fig, canvas)
        ax = self.ax = fig.add_axes((0.36, 0.8 / self.height, 0.62, 1 - 1.15 / self.height))
        self.rows = list(range(count))[::-1]
        self.bars: list[Rectangle] = []
        self.medians: list[Line2D] = []
        self.values: list[Text] = []
        for row, (_, colour) in zip(self.rows, names, strict=True):
            self.bars.append(ax.barh(row, 0, color=colour, height=0.62, zorder=2, animated=True)[0])
            self.medians.append(
                ax.plot([0, 0], [row - 0.36, row + 0.36], color="#222222", linewidth=2.2, zorder=3, animated=True)[0]
            )
            self.values.append(ax.text(0, row, "", va="center", fontsize=8, zorder=4, animated=True))
        placed: list[Text] = []  # the thresholds' names
        for n, (name, percent, colour) in enumerate(sorted(thresholds, key=lambda t: t[1])):
            ax.axvline(percent, color=colour, linestyle="--", linewidth=1.3, zorder=1)
            words = ax.text(
                percent + (0.8 if n % 2 else -0.8),
                count - 0.45,
                f"{name} {percent:g} %",
                color=colour,
                fontsize=8,
                ha="left" if n % 2 else "right",
                va="bottom",
                fontweight="bold",
            )
            placed.append(words)
        ax.plot([], [], color="#222222", linewidth=2.2, label=median_label)
        ax.set_yticks(self.rows, [textwrap.fill(name, 30) for name, _ in names])
        for tick, (name, _) in zip(ax.get_yticklabels(), names, strict=True):
            if name == total_label:
                tick.set_fontweight("bold")
        ax.set_xlim(0, 138)  # room on the right for "100 %  (35 / 35)"
        ax.set_xticks([0, 20, 40, 60, 80, 100], ["0 %", "20 %", "40 %", "60 %", "80 %", "100 %"])
        ax.set_ylim(-0.6, count + 0.2)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        self.axis_line = ax.spines["left"]
        self.axis_line.set_animated(True)
        ax.grid(axis="x", color="#E0E0E0", zorder=0)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.45 / self.height), fontsize=8, frameon=False)
        # a threshold's name that would be written over another's (three labels, or thresholds
        # close together) goes a line higher, as often as needed (once the axes have their limits)
        boxes: list[BboxBase] = []
        for words in placed:
            box = words.get_window_extent(canvas.get_renderer())
            while any(box.overlaps(other) for other in boxes):
                x, y = words.get_position()
                words.set_position((x, y + 0.32))
                box = words.get_window_extent(canvas.get_renderer())
            boxes.append(box)
        self.keep_background()

    def show(self, bars: list[Bar]) -> list[Artist]:
        """The letter's bars, ticks and values set on their artists; the artists drawn for a
        letter, in matplotlib's order (the bars, the axis' line, the ticks, the values)."""
        drawn: list[Artist] = [*self.bars, self.axis_line]  # the axis' line over the bars' ends
        for row, bar, rect, median, value in zip(self.rows, bars, self.bars, self.medians, self.values, strict=True):
            rect.set_width(bar.share)
            median.set_xdata([bar.median, bar.median])
            # the value starts right of both the bar and the median tick: never overprinted
            value.set_position((min(max(bar.share, bar.median), 100) + 1.8, row))
            value.set_text(f"{bar.share:.0f} %  ({bar.points})")
            drawn += (median, value)
        return drawn

    def render(self, bars: list[Bar]) -> bytes:
        return self.blit(self.show(bars))


@lru_cache(maxsize=64)
def emblem(label_name: str, colour: str, caption: str) -> bytes:
    """A round seal in the label's colour with its name and year. PNG bytes (the same seal is drawn once)."""
    return _png(_seal(label_name, colour, caption), transparent=True)


@lru_cache(maxsize=64)
def emblem_svg(label_name: str, colour: str, caption: str) -> bytes:
    """The same seal as SVG, which scales to any size (text drawn as paths: no font needed).
    Drawn once per label and year in a process, like the PNG: every certificate of the label
    has the same seal, and drawing it took a third of a certificate's time."""
    import matplotlib

    fig = _seal(label_name, colour, caption)
    out = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "excelcert"}):
        fig.savefig(out, format="svg", transparent=True, metadata={"Date": None})
    return out.getvalue()


def _seal(label_name: str, colour: str, caption: str) -> Figure:
    import textwrap

    from matplotlib.patches import Circle

    fig, canvas = new_figure(2.2, 2.2)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-1.05, 1.05)
    ax.set_ylim(-1.05, 1.05)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.add_patch(Circle((0, 0), 1.0, color=colour))
    ax.add_patch(Circle((0, 0), 0.86, fill=False, edgecolor="white", linewidth=2.2))
    ax.add_patch(Circle((0, 0), 0.80, fill=False, edgecolor="white", linewidth=0.8))
    # a long name on two lines, and smaller where it would cross the rings (the picture's edge cut it off)
    name = label_name.upper()
    lines = textwrap.fill(name, max(12, (len(name) + 1) // 2), break_long_words=False) if len(name) > 12 else name
    words = ax.text(0, 0.12, lines, ha="center", va="center", color="white", fontsize=17, fontweight="bold")
    # the year, large enough to read on a printed certificate
    year = ax.text(0, -0.38, caption, ha="center", va="center", color="white", fontsize=12, fontweight="bold")
    # the width (in the seal's units, 2.1 across) inside the ring
    for text, size, room in ((words, 17, 1.4), (year, 12, 1.3)):
        width = text.get_window_extent(canvas.get_renderer()).width
        fits = room / 2.1 * fig.bbox.width
        if width > fits:
            text.set_fontsize(size * fits / width)
    return fig
