"""Benchmark: documents to PDF through LibreOffice, next to the floor, in the same run.

The demo's certificates and letters are copied into N cluster folders (default 20 folders,
a certificate and a letter in each, as `certify` and `letters` leave them), then:

- excelcert: `to_pdf` with one worker, each PDF beside its document;
- floor: one `soffice --convert-to pdf` call converting the same files into one folder,
  with nothing of excelcert's;
- per folder (for comparison: what excelcert did before): one soffice call per folder.

Each run starts LibreOffice with a fresh profile of its own, as excelcert does. Seconds
for each and the ratio to the floor (target: within 1.2x).

    python benchmarks/bench_pdf.py            # 20 folders, 40 documents
    python benchmarks/bench_pdf.py -n 50
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from excelcert.demo.run import run_demo
from excelcert.documents.pdf import soffice, to_pdf


def convert(program: str, files: list[Path], outdir: Path, profile: Path) -> None:
    subprocess.run(
        [
            program,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=20, help="cluster folders (default 20)")
    parser.add_argument("--no-per-folder", action="store_true", help="skip the per-folder comparison run")
    args = parser.parse_args()
    program = soffice()
    if program is None:
        sys.exit("LibreOffice (soffice) is not installed: nothing to measure.")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        run_demo(base / "demo", jobs=2)
        documents = base / "demo" / "output" / "demo" / "documents"
        certificate = next(documents.glob("*/* certificate *.docx"))
        letter = next(documents.glob("*/* letter.docx"))
        files: list[Path] = []
        for n in range(args.n):
            folder = base / "docs" / f"C{n:04d} Cluster {n}"
            folder.mkdir(parents=True)
            for source, name in ((certificate, f"C{n:04d} certificate.docx"), (letter, f"C{n:04d} letter.docx")):
                files.append(Path(shutil.copyfile(source, folder / name)))

        started = time.perf_counter()
        to_pdf(files, jobs=1)
        ours = time.perf_counter() - started
        assert all(f.with_suffix(".pdf").exists() for f in files)

        started = time.perf_counter()
        convert(program, files, base / "floor-out", base / "floor-profile")
        floor = time.perf_counter() - started

        per_folder = None
        if not args.no_per_folder:
            started = time.perf_counter()
            for folder in sorted({f.parent for f in files}):
                convert(program, sorted(folder.glob("*.docx")), base / "per-folder-out", base / "per-folder-profile")
            per_folder = time.perf_counter() - started

    print(f"{len(files)} documents in {args.n} folders, one worker")
    print(f"  excelcert to_pdf     {ours:6.1f} s  ({len(files) / ours:.1f} documents/s)")
    print(f"  floor (one soffice)  {floor:6.1f} s  ({len(files) / floor:.1f} documents/s)")
    print(f"  ratio                {ours / floor:6.2f}x the floor (target: within 1.2x)")
    if per_folder is not None:
        print(f"  one soffice per folder (before) {per_folder:6.1f} s  ({per_folder / floor:.2f}x the floor)")


if __name__ == "__main__":
    main()
