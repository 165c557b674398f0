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
    """PNG bytes of a QR code holding `data` (the same address gives the same bytes): a
    black-and-white (1-bit) picture, the modules segno places, each a square of pixels.

    Drawn with numpy and Pillow rather than segno's own PNG writer, which builds every row
    in Python: a third of the time of a QR code, most of the rest being segno's choice of
    the mask, which a QR code needs."""
    import numpy as np
    import segno
    from PIL import Image

    code = segno.make_qr(data, error=ERROR, boost_error=False)
    light = np.pad(np.array(code.matrix, dtype=bool), QUIET_ZONE) == 0  # in mode "1", a set bit is white
    pixels = light.repeat(MODULE_PIXELS, axis=0).repeat(MODULE_PIXELS, axis=1)
    image = Image.frombytes("1", (pixels.shape[1], pixels.shape[0]), np.packbits(pixels, axis=1).tobytes())
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()
