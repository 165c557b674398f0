"""Convert documents to PDF through LibreOffice (`soffice`), when it is installed.

Each parallel worker gets its own LibreOffice profile: two soffice processes sharing a
profile block each other or fail. A worker converts its whole share of the files in one
LibreOffice process (whatever folders they are in), so start-up is paid once per worker.
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
        raise PdfError(f"LibreOffice did not convert {len(missing)} of {len(paths)} documents, e.g. {missing[0]}.")
    return [p.with_suffix(".pdf") for p in paths]


def _convert(program: str, paths: list[Path], profile: Path, timeout: int) -> None:
    """One LibreOffice process converts the whole share, into a folder of its own; each PDF then
    goes beside its document. (Starting LibreOffice costs about 2 s: once per share, not once
    per cluster folder.) Files of the same name from different folders go in separate calls."""
    batches: list[dict[str, Path]] = []
    for path in paths:
        batch = next((b for b in batches if path.name not in b), None)
        if batch is None:
            batch = {}
            batches.append(batch)
        batch[path.name] = path
    for n, batch in enumerate(batches):
        outdir = profile.parent / f"{profile.name}-out-{n}"
        outdir.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(
                [
                    program,
                    f"-env:UserInstallation={profile.as_uri()}",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(outdir),
                    *map(str, batch.values()),
                ],
                check=True,
                capture_output=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise PdfError(f"LibreOffice took more than {timeout} s to convert {len(batch)} documents.") from None
        except subprocess.CalledProcessError as exc:
            detail = exc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
            raise PdfError(f"LibreOffice failed to convert documents: {detail[0]}") from None
        for path in batch.values():
            made = outdir / path.with_suffix(".pdf").name
            if made.exists():
                shutil.move(str(made), path.with_suffix(".pdf"))
