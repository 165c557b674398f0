"""The pictures in the documents, drawn with matplotlib (no display needed): the letter's
chart of points by category next to the campaign median, and the certificate's emblem.
The label thresholds drawn come from `scoring.threshold_points`, the values the letter's
text states."""

from __future__ import annotations

import io
from dataclasses import dataclass

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


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 9})
    return plt


def category_chart(bars: list[Bar], thresholds: list[tuple[str, float, str]], median_label: str,
                   total_label: str) -> bytes:
    """Horizontal bars (one per category, then the total), the campaign median as a black
    tick, and a dashed line per label threshold (name, percent, colour). PNG bytes."""
    plt = _pyplot()
    height = 0.55 * len(bars) + 1.2
    fig, ax = plt.subplots(figsize=(6.6, height), dpi=200)
    try:
        rows = list(range(len(bars)))[::-1]
        for row, bar in zip(rows, bars, strict=True):
            ax.barh(row, bar.share, color=bar.colour, height=0.62, zorder=2)
            ax.plot([bar.median, bar.median], [row - 0.36, row + 0.36], color="#222222", linewidth=2.2, zorder=3)
            ax.text(min(bar.share, 100) + 1.2, row, f"{bar.share:.0f} %  ({bar.points})", va="center", fontsize=8,
                    zorder=4)
        for n, (name, percent, colour) in enumerate(sorted(thresholds, key=lambda t: t[1])):
            ax.axvline(percent, color=colour, linestyle="--", linewidth=1.3, zorder=1)
            ax.text(percent + (0.8 if n % 2 else -0.8), len(bars) - 0.45, f"{name} {percent:g} %", color=colour,
                    fontsize=8, ha="left" if n % 2 else "right", va="bottom", fontweight="bold")
        ax.plot([], [], color="#222222", linewidth=2.2, label=median_label)
        ax.set_yticks(rows, [b.name for b in bars])
        for tick, bar in zip(ax.get_yticklabels(), bars, strict=True):
            if bar.name == total_label:
                tick.set_fontweight("bold")
        ax.set_xlim(0, 118)
        ax.set_xticks([0, 20, 40, 60, 80, 100], ["0 %", "20 %", "40 %", "60 %", "80 %", "100 %"])
        ax.set_ylim(-0.6, len(bars) + 0.2)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(axis="x", color="#E0E0E0", zorder=0)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), fontsize=8, frameon=False)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(fig)


def emblem(label_name: str, colour: str, caption: str) -> bytes:
    """A round seal in the label's colour with its name. PNG bytes."""
    plt = _pyplot()
    from matplotlib.patches import Circle

    fig, ax = plt.subplots(figsize=(2.2, 2.2), dpi=220)
    try:
        ax.set_xlim(-1.05, 1.05)
        ax.set_ylim(-1.05, 1.05)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.add_patch(Circle((0, 0), 1.0, color=colour))
        ax.add_patch(Circle((0, 0), 0.86, fill=False, edgecolor="white", linewidth=2.2))
        ax.add_patch(Circle((0, 0), 0.80, fill=False, edgecolor="white", linewidth=0.8))
        ax.text(0, 0.05, label_name.upper(), ha="center", va="center", color="white", fontsize=17,
                fontweight="bold")
        ax.text(0, -0.36, caption, ha="center", va="center", color="white", fontsize=6.5)
        out = io.BytesIO()
        fig.savefig(out, format="png", transparent=True)
        return out.getvalue()
    finally:
        plt.close(fig)
