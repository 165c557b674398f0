"""Benchmark: rendering certificates and feedback letters, next to the floor, in the same run.

The demo campaign is built (scores, labels, final values), then its certificates and
letters are rendered N times in all (default 200 documents):

- excelcert: `render_all`, the whole job for each document: drawing its pictures (the
  letter's chart, the certificate's emblem) with matplotlib and rendering the template
  (compiled once per process from docxtpl's own steps, documents/fill.py), written
  atomically;
- floor: docxtpl rendering the same template with the same context, the pictures given
  as ready-made PNGs, saved, with nothing of excelcert's (since templates are compiled
  once, excelcert's rendering itself is past this floor; the chart drawing is what is left).

Both with the same number of workers. Documents per second for each and the ratio.

    python benchmarks/bench_documents.py            # 200 documents, 1 worker, then all cores
    python benchmarks/bench_documents.py -n 100
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from excelcert.base.ledger import Ledger
from excelcert.campaign.config import read_key
from excelcert.campaign.roster import read_roster
from excelcert.demo.run import run_demo
from excelcert.documents.issue import Job, plan_and_number, render_all
from excelcert.documents.render import IMAGE_WIDTHS_MM, draw


def floor_one(args: tuple[Job, dict[str, bytes]]) -> None:
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    job, images = args
    doc = DocxTemplate(str(job.template))
    context = dict(job.context)
    for name, data in images.items():
        context[name] = InlineImage(doc, io.BytesIO(data), width=Mm(IMAGE_WIDTHS_MM.get(name, 120)))
    doc.render(context, autoescape=True)
    doc.save(str(job.out))


def floor(jobs_list: list[Job], images: list[dict[str, bytes]], workers: int) -> None:
    items = list(zip(jobs_list, images, strict=True))
    if workers <= 1:
        for item in items:
            floor_one(item)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(floor_one, items, chunksize=max(1, len(items) // (4 * workers))))


def timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=200, help="documents to render (default 200)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="workers for the parallel run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "demo"
        run_demo(root, jobs=2)
        from excelcert.campaign.config import read_config

        campaign = read_config(root)
        scheme = campaign.load_scheme()
        clusters = read_roster(campaign.roster_path, scheme.languages).clusters
        with Ledger.for_campaign(root) as ledger:
            issued = plan_and_number(
                campaign, scheme, clusters, ledger, read_key(campaign), kinds=("certificate", "letter")
            )
        base = issued.documents
        ours_out, floor_out = Path(tmp) / "ours", Path(tmp) / "floor"
        ours_out.mkdir()
        floor_out.mkdir()
        work = [replace(base[i % len(base)], out=ours_out / f"{i:05d}.docx") for i in range(args.n)]
        floor_work = [replace(job, out=floor_out / job.out.name) for job in work]
        drawn = {id(job): {name: draw(kind, spec) for name, (kind, spec) in job.pictures.items()} for job in base}
        images = [drawn[id(base[i % len(base)])] for i in range(args.n)]
        kinds = {k: sum(j.kind == k for j in work) for k in ("certificate", "letter")}
        print(
            f"{args.n} documents ({kinds['certificate']} certificates, {kinds['letter']} letters), "
            f"Python {sys.version.split()[0]}"
        )
        for workers in sorted({1, args.jobs}):
            runs = [(timed(render_all, work, workers), timed(floor, floor_work, images, workers)) for _ in range(3)]
            ours_s = sorted(r[0] for r in runs)[1]
            floor_s = sorted(r[1] for r in runs)[1]
            print(
                f"--jobs {workers}: excelcert {args.n / ours_s:7.1f} documents/s   floor (docxtpl, pictures ready) "
                f"{args.n / floor_s:7.1f} documents/s   ratio {ours_s / floor_s:.2f}  (target <= 1.5)"
            )


if __name__ == "__main__":
    main()
