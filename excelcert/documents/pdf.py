"""Convert documents to PDF through LibreOffice (`soffice`), when it is installed.

Each parallel worker gets its own LibreOffice profile: two soffice processes sharing a
profile block each other or fail. A worker converts its share of the files in one call.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


class PdfError(Exception):
    """PDFs cannot be made; the message says why and what to do."""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(paths: list[Path], jobs: int = 1, timeout: int = 600) -> list[Path]:
    """A PDF next to each document; the PDFs written."""
    program = soffice()
    if program is None:
        raise PdfError(
            "PDFs were not made: LibreOffice is not installed (no `soffice` command). The .docx "
            "documents are written; install LibreOffice Writer (Debian: libreoffice-writer-nogui) "
            "and run the command again with --pdf, or convert them in Word."
        )
    if not paths:
        return []
    jobs = max(1, min(jobs, len(paths)))
    shares = [paths[n::jobs] for n in range(jobs)]
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [
            pool.submit(_convert, program, share, Path(tmp) / f"profile-{n}", timeout) for n, share in enumerate(shares)
        ]
        for future in futures:
            future.result()
    missing = [p for p in paths if not p.with_suffix(".pdf").exists()]
    if missing:
        raise PdfError(f"LibreOffice did not convert {len(missing)} document(s), e.g. {missing[0]}.")
    return [p.with_suffix(".pdf") for p in paths]


def _convert(program: str, paths: list[Path], profile: Path, timeout: int) -> None:
    by_folder: dict[Path, list[Path]] = {}
    for path in paths:
        by_folder.setdefault(path.parent, []).append(path)
    for folder, files in by_folder.items():
        try:
            subprocess.run(
                [
                    program,
                    f"-env:UserInstallation={profile.as_uri()}",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(folder),
                    *map(str, files),
                ],
                check=True,
                capture_output=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise PdfError(f"LibreOffice took more than {timeout} s to convert documents in {folder}.") from None
        except subprocess.CalledProcessError as exc:
            detail = exc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
            raise PdfError(f"LibreOffice failed to convert documents in {folder}: {detail[0]}") from None
