"""The pictures of the letters and benchmarking reports, drawn fast: what is the same for
every cluster of a language is drawn once (the background), each cluster's own values onto
a copy of it. A picture drawn so must be the picture drawn from scratch, whichever clusters
came before it, and its PNG must hold exactly the canvas' pixels."""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pytest
from matplotlib.text import Text
from PIL import Image

from excelcert.documents import charts, radar
from excelcert.documents.charts import Bar, Blitted, category_chart, rgb_png
from excelcert.documents.radar import radar_chart

NAMES = {
    "en": ["Cluster structure", "Governance and cluster management", "Financing", "Strategy, objectives and services"],
    "fr": ["Structure du cluster", "Gouvernance et management du cluster", "Financement", "Stratégie et services"],
}
LEGEND = (("Your cluster", "#1F3864"), ("Peers' median", "#ED7D31"), ("Excellence group's median", "#C9A227"))
LONG = [
    "Internationalisation and participation in European networks and programmes",
    "Services to members: matchmaking, training, access to finance and market intelligence",
    "Results & impact ($ raised, 100 % of KPIs)",
    "Communication",
    "Sustainability",
]
SERIES = [  # names, each series' values
    (NAMES["en"], [[16.7, 20.0, 16.0, 4.0], [68.3, 67.1, 72.0, 41.4], [95.0, 95.7, 96.0, 88.6]]),
    (NAMES["en"], [[0, 0, 0, 0], [100, 100, 100, 100], [100, 0, 100, 0]]),  # nothing, and everything
    (NAMES["fr"], [[100, 100, 100, 100], [50, 60, 70, 80]]),  # no excellence group
    (LONG, [[35, 80, 12.5, 100, 0], [50, 50, 50, 50, 50], [90, 95, 85, 99, 80]]),
    (NAMES["en"], [[40, 55, 30, 75]]),  # no peers: the cluster alone
]


def pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB")).astype(int)


def drawn_from_scratch(picture: Blitted) -> np.ndarray:
    """The picture drawn as matplotlib draws any figure: all of it, in its own order."""
    for artist in picture.fig.findobj(lambda a: a.get_animated()):
        artist.set_animated(False)
    picture.canvas.draw()
    return pixels(rgb_png(picture.canvas))


def differences(a: np.ndarray, b: np.ndarray) -> tuple[float, int]:
    """The share of pixels that differ, and the largest difference in a channel (0-255)."""
    assert a.shape == b.shape
    diff = np.abs(a - b).max(axis=2)
    return float((diff > 0).mean()), int(diff.max())


def _series(names: list[str], values: list[list[float]]) -> list[tuple[str, list[float], str]]:
    return [(label, v, colour) for (label, colour), v in zip(LEGEND, values, strict=False)]


@pytest.mark.parametrize(("names", "values"), SERIES)
def test_a_radar_is_the_radar_drawn_from_scratch(names, values):
    series = _series(names, values)
    blitted = pixels(radar_chart(names, series))
    assert blitted.shape == (736, 1056, 3)  # 6.6 x 4.6 inches at 160 dpi: the report's layout
    fresh = radar._Radar(tuple(names), tuple((label, colour) for label, _, colour in series))
    fresh.show(values)
    share, most = differences(blitted, drawn_from_scratch(fresh))
    # the same picture; only where the fill (18 % opaque) covers a percentage, drawn before
    # it rather than after, that percentage is a few levels darker (or a spoke crosses a
    # long name that reaches into the circle)
    assert share < 0.001, share
    assert most <= 12 or share < 0.0001, (share, most)
    # the series are drawn: other values, another picture
    other = pixels(radar_chart(names, _series(names, [[min(100, v + 20) for v in s] for s in values])))
    assert differences(blitted, other)[0] > 0.002


def test_a_category_chart_is_the_chart_drawn_from_scratch():
    names = [*NAMES["en"], "Total"]
    for shares in ([16.7, 20.0, 16.0, 4.0, 14.2], [0, 100, 0, 100, 50], [100, 100, 100, 100, 100]):
        bars = [
            Bar(name, share, median=60.0 - 10 * n, colour="#4F6F96", points=f"{round(share * 0.3)} / 30")
            for n, (name, share) in enumerate(zip(names, shares, strict=True))
        ]
        args = ([("Silver", 60.0, "#9EA3A8"), ("Gold", 80.0, "#C9A227")], "Campaign median", "Total")
        blitted = pixels(category_chart(bars, *args))
        fresh = charts._Chart(tuple((b.name, b.colour) for b in bars), tuple(args[0]), args[1], args[2])
        fresh.show(bars)
        assert differences(blitted, drawn_from_scratch(fresh)) == (0.0, 0)


def test_a_picture_does_not_depend_on_the_pictures_before_it():
    """The cache is keyed by what the background shows: the names of the categories and
    the series' labels and colours (the legend); cluster B drawn after A is B drawn first."""
    a = _series(NAMES["en"], SERIES[0][1])
    b = _series(NAMES["en"], SERIES[1][1])
    radar._radar.cache_clear()
    b_first = radar_chart(NAMES["en"], b)
    radar_chart(NAMES["en"], a)
    radar_chart(NAMES["fr"], a)
    radar_chart(NAMES["en"], a[:2])
    assert radar_chart(NAMES["en"], b) == b_first
    assert radar._radar.cache_info().currsize == 3  # en, fr, en without the excellence group
    # another language, or another legend: another background
    en, fr = pixels(radar_chart(NAMES["en"], a)), pixels(radar_chart(NAMES["fr"], a))
    assert differences(en, fr)[0] > 0.005
    relabelled = [("Ihr Cluster", *a[0][1:]), *a[1:]]
    assert differences(en, pixels(radar_chart(NAMES["en"], relabelled)))[0] > 0.0005
    # the letter's chart likewise
    bars = [Bar(name, 10.0 * n, 50.0, "#4F6F96", f"{n} / 10") for n, name in enumerate([*NAMES["en"], "Total"])]
    other = [Bar(b.name, 100 - b.share, 20.0, b.colour, "9 / 10") for b in bars]
    args = ([("Gold", 80.0, "#C9A227")], "Campaign median", "Total")
    charts._chart.cache_clear()
    other_first = category_chart(other, *args)
    category_chart(bars, *args)
    category_chart(bars, [("Or", 80.0, "#C9A227")], "Médiane de la campagne", "Total")
    assert category_chart(other, *args) == other_first
    assert charts._chart.cache_info().currsize == 2


def test_the_backgrounds_kept_are_bounded():
    limit = radar._radar.cache_info().maxsize
    assert limit is not None and charts._chart.cache_info().maxsize is not None
    radar._radar.cache_clear()
    for n in range(limit + 2):
        radar_chart([f"Category {n}", "B", "C"], [("Your cluster", [10.0, 20.0, 30.0], "#1F3864")])
    assert radar._radar.cache_info().currsize == limit


def test_names_are_drawn_as_typed_never_as_formulas():
    """A "$" in a name is a dollar: with matplotlib's math on, "$^{bn$" would be a formula
    that cannot be read (an error) and "US$ ... $" would lose its dollars."""
    names = ["Costs $^{bn$", "Funds in $ (US$ only)", "C"]
    with matplotlib.rc_context({"text.parse_math": True}):  # as matplotlib starts
        radar._radar.cache_clear()
        charts._chart.cache_clear()
        radar_chart(names, [("Your $cluster$", [10.0, 20.0, 30.0], "#1F3864")])
        category_chart([Bar(name, 50.0, 50.0, "#4F6F96", "1 / 2") for name in names], [], "$median$", "C")
    figures = [radar._radar(tuple(names), (("Your $cluster$", "#1F3864"),)).fig]
    figures.append(charts._chart((tuple((name, "#4F6F96") for name in names), (), "$median$", "C")).fig)
    for figure in figures:
        texts = figure.findobj(Text)
        assert any("$" in t.get_text() for t in texts)
        assert not any(t.get_parse_math() for t in texts)


def test_the_png_holds_the_canvas_exactly():
    picture = radar._radar(tuple(NAMES["en"]), LEGEND[:1])
    png = picture.render([[40.0, 55.0, 30.0, 75.0]])
    canvas = np.asarray(picture.canvas.buffer_rgba())
    assert (pixels(png) == canvas[:, :, :3]).all()
    assert (canvas[:, :, 3] == 255).all()  # opaque: nothing lost with the alpha
    with Image.open(io.BytesIO(png)) as image:
        assert image.mode == "RGB" and image.format == "PNG"
        assert image.info["dpi"] == pytest.approx((160, 160), abs=0.01)
        image.verify()  # every chunk's checksum


@pytest.mark.parametrize("name", ["Excellence", "Management Excellence", "Exzellenzmanagementlabel"])
def test_a_long_label_name_stays_inside_the_seal(name):
    """The seal's words stay inside its inner ring, however long the scheme's label name: a
    word crossing the rings was cut off at the edge of the picture on the certificate."""
    png = charts.emblem(name, "#C9A227", "2026")
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(int)
    size = image.shape[0]
    y, x = np.mgrid[0:size, 0:size]
    radius = np.hypot(x - size / 2, y - size / 2) / (size / 2) * 1.05  # in the seal's units: its edge at 1
    white = (image[:, :, :3].min(axis=2) > 200) & (image[:, :, 3] > 200)
    between_rings = (radius > 0.815) & (radius < 0.842)  # the rings are at 0.80 and 0.86
    assert not (white & (between_rings | (radius > 0.885))).any(), "white letters across the rings"
    assert (white & (radius < 0.75)).sum() > 500  # the words are there


@pytest.mark.parametrize(
    "thresholds",
    [
        [("Bronze", 40.0, "#A0522D"), ("Silber", 60.0, "#8A8D91"), ("Gold", 80.0, "#C9A227")],
        [
            ("Bronze", 50.0, "#A0522D"),
            ("Silver", 55.0, "#8A8D91"),
            ("Gold", 60.0, "#C9A227"),
            ("Platinum", 62.0, "#333"),
        ],
    ],
)
def test_the_labels_thresholds_are_written_without_overprinting(thresholds):
    """Three labels (bronze, silver, gold) or thresholds close together: each threshold's name
    is readable, none written over another (Silver's and Gold's were printed on each other)."""
    bars = [Bar(f"Category {n}", 50.0, 55.0, "#4E79A7", "5 / 10") for n in range(3)]
    key = (tuple((b.name, b.colour) for b in bars), tuple(thresholds), "Median", "Category 2")
    chart = charts._chart(key)
    renderer = chart.canvas.get_renderer()
    names = [t for t in chart.ax.texts if not t.get_animated() and "%" in t.get_text()]
    assert len(names) == len(thresholds)
    boxes = [t.get_window_extent(renderer) for t in names]
    for n, box in enumerate(boxes):
        for other in boxes[n + 1 :]:
            assert not box.overlaps(other), "two thresholds' names overprinted"
    assert all(0 <= box.y1 <= chart.fig.bbox.height for box in boxes)  # in the picture
