"""The certificate's QR code: its verification page's address with its code after '#'
(`register.public.verification_url`), drawn with segno as a black-and-white PNG.

Error correction Q (a quarter of the symbol may be smudged or creased and it still reads),
the standard quiet zone of four modules, and 12 pixels a module: printed 28 mm wide
(`render.IMAGE_WIDTHS_MM`), an address of up to about 90 characters makes modules of
half a millimetre or more, drawn at 400 dpi or more, which any phone reads."""

from __future__ import annotations

import io

ERROR = "q"
QUIET_ZONE = 4  # modules: the white border scanners need around the symbol
MODULE_PIXELS = 12


def qr_png(data: str) -> bytes:
    """PNG bytes of a QR code holding `data` (the same address gives the same bytes)."""
    import segno

    code = segno.make_qr(data, error=ERROR, boost_error=False)
    out = io.BytesIO()
    code.save(out, kind="png", scale=MODULE_PIXELS, border=QUIET_ZONE, dark="black", light="white")
    return out.getvalue()
