"""Benchmark: the pictures of the documents, per picture, warm, in one process.

N pictures of each kind (default 200), the built-in scheme's categories in en, fr and de
in turn, other values each time (seeded):

- the feedback letter's chart of points by category (`charts.category_chart`);
- the benchmarking report's radar chart (`radar.radar_chart`), with the peers' and the
  excellence group's medians;
- the certificate's QR code (`qr.qr_png`), an address of the demo's length.

For each, in the same run: excelcert's time per picture (CPU time of this process, so that
other work on the machine counts less), the part of it that is writing the PNG, the PNG's
size, and the same figure drawn afresh for every picture (no background kept: what a
picture cost before) or, for the QR code, zxing-cpp drawing its own picture (written by Pillow).

    python benchmarks/bench_pictures.py          # 200 pictures of each kind
    python benchmarks/bench_pictures.py -n 50
"""

from __future__ import annotations

import argparse
import io
import random
import time
from collections.abc import Callable
from typing import Any

from excelcert.documents import charts, radar
from excelcert.documents.benchmarking import RADAR_CLUSTER, RADAR_EXCELLENCE, RADAR_PEERS, bench_text
from excelcert.documents.charts import Bar, category_chart, rgb_png
from excelcert.documents.qr import qr_png
from excelcert.documents.radar import radar_chart
from excelcert.documents.texts import doc_text
from excelcert.scheme import load_scheme

LANGUAGES = ("en", "fr", "de")
TOTAL = {"en": "Total", "fr": "Total", "de": "Gesamt"}  # the letter's word (documents.context)


def specs(n: int) -> dict[str, list[Any]]:
    """n arguments for each kind of picture, the languages in turn."""
    scheme = load_scheme()
    rng = random.Random(19)
    out: dict[str, list[Any]] = {"chart": [], "radar": [], "qr": []}
    for k in range(n):
        lang = LANGUAGES[k % len(LANGUAGES)]
        names = [scheme.text(c.name, lang) for c in scheme.categories]
        shares = [rng.uniform(0, 100) for _ in names]
        bars = [
            Bar(name, s, rng.uniform(30, 90), "#4F6F96", f"{round(s * 0.3)} / 30")
            for name, s in zip(names, shares, strict=True)
        ]
        total = TOTAL[lang]
        bars.append(Bar(total, sum(shares) / len(shares), 60.0, "#1F3864", "75 / 150"))
        thresholds = [
            (scheme.text(r.name, lang), float(r.min_percent), "#C9A227") for r in scheme.labels if r.min_percent
        ]
        out["chart"].append((bars, thresholds, doc_text(lang, "h_median"), total))
        series = [
            (bench_text(lang, "you"), shares, RADAR_CLUSTER),
            (bench_text(lang, "peers_median"), [rng.uniform(30, 80) for _ in names], RADAR_PEERS),
            (bench_text(lang, "excellence_median"), [rng.uniform(70, 100) for _ in names], RADAR_EXCELLENCE),
        ]
        out["radar"].append((names, series))
        out["qr"].append((f"https://labels.example.org/c/DEMO-2026-{k:05d}.html#{rng.getrandbits(50):010X}",))
    return out


def per_picture(draw: Callable[..., bytes], arguments: list[Any]) -> tuple[float, float]:
    """Milliseconds of CPU per picture (after one warm-up picture), and the mean size in KiB."""
    draw(*arguments[0])
    size = 0
    start = time.process_time()
    for args in arguments:
        size += len(draw(*args))
    return 1000 * (time.process_time() - start) / len(arguments), size / len(arguments) / 1024


def chart_afresh(bars: list[Bar], thresholds: list[Any], median_label: str, total_label: str) -> bytes:
    key = (tuple((b.name, b.colour) for b in bars), tuple(thresholds), median_label, total_label)
    return charts._Chart(*key).render(bars)


def radar_afresh(names: list[str], series: list[tuple[str, list[float], str]]) -> bytes:
    return radar._Radar(tuple(names), tuple((label, colour) for label, _, colour in series)).render(
        [values for _, values, _ in series]
    )


def library_png(data: str) -> bytes:
    """zxing-cpp's own picture of the code (scaled and bordered by it), written by Pillow."""
    import zxingcpp
    from PIL import Image

    code = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level="Q")
    image = Image.fromarray(zxingcpp.write_barcode_to_image(code, scale=12, add_quiet_zones=True))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def png_writing(kind: str, arguments: list[Any]) -> float:
    """Milliseconds of CPU per picture to write a finished canvas as PNG."""
    if kind == "chart":
        bars, thresholds, median_label, total_label = arguments[0]
        canvas = charts._chart(
            (tuple((b.name, b.colour) for b in bars), tuple(thresholds), median_label, total_label)
        ).canvas
    else:
        names, series = arguments[0]
        canvas = radar._radar(tuple(names), tuple((label, colour) for label, _, colour in series)).canvas
    start = time.process_time()
    for _ in arguments:
        rgb_png(canvas)
    return 1000 * (time.process_time() - start) / len(arguments)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="pictures of each kind (default 200)")
    n = parser.parse_args().n
    arguments = specs(n)
    afresh = max(10, n // 10)  # drawing afresh is slow: fewer pictures
    print(f"{n} pictures of each kind, CPU ms per picture (warm, one process)")
    print(f"{'picture':<10} {'excelcert':>10} {'PNG writing':>12} {'size':>9} {'afresh / library':>15}")
    for kind, draw, before in (
        ("chart", category_chart, chart_afresh),
        ("radar", radar_chart, radar_afresh),
        ("qr", qr_png, library_png),
    ):
        ms, kib = per_picture(draw, arguments[kind])
        writing = f"{png_writing(kind, arguments[kind]):.1f}" if kind != "qr" else "-"
        old_ms, _ = per_picture(before, arguments[kind][: afresh if kind != "qr" else n])
        print(f"{kind:<10} {ms:>10.1f} {writing:>12} {kib:>5.1f} KiB {old_ms:>15.1f}")


if __name__ == "__main__":
    main()
