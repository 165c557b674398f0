"""The certificate's QR code: its verification page's address with its code after '#'
(`register.public.verification_url`), drawn by zxing-cpp as a black-and-white PNG.

Error correction Q (a quarter of the symbol may be smudged or creased and it still reads),
the standard quiet zone of four modules, and 12 pixels a module: printed 28 mm wide
(`render.IMAGE_WIDTHS_MM`), an address of up to about 90 characters makes modules of
half a millimetre or more, drawn at 400 dpi or more, which any phone reads."""

from __future__ import annotations

import io

ERROR = "Q"
UTF8_ECI = 26  # the ECI (extended channel) designator of UTF-8
QUIET_ZONE = 4  # modules: the white border scanners need around the symbol
MODULE_PIXELS = 12


def qr_png(data: str) -> bytes:
    """PNG bytes of a QR code holding `data` (the same address gives the same bytes): a
    black-and-white (1-bit) picture, the modules zxing-cpp places, each a square of pixels.

    zxing-cpp (compiled) encodes the symbol and chooses its mask in about 0.3 ms; segno,
    which drew it before in pure Python, took about 6 ms, half of `certify`'s time with a
    register. numpy and Pillow scale it and write the PNG."""
    import numpy as np
    import zxingcpp
    from PIL import Image

    # An address in other letters than ASCII (an internationalised domain, a path in é or
    # 例): UTF-8, said so by its ECI designator. Left to choose, zxing-cpp writes the first
    # character set that holds every letter (ISO 8859-7 for a €, Shift JIS for 例), which a
    # reader that does not follow ECIs (most assume UTF-8) shows as other letters; and even
    # ISO 8859-1 without a designator (the standard's own, which it writes for é) is guessed
    # by readers: zxing-cpp's own read 150 é so written as Chinese.
    options = {} if data.isascii() else {"eci": UTF8_ECI}
    code = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level=ERROR, **options)
    symbol = np.asarray(zxingcpp.write_barcode_to_image(code, scale=1, add_quiet_zones=False))
    light = np.pad(symbol != 0, QUIET_ZONE, constant_values=True)  # in mode "1", a set bit is white
    pixels = light.repeat(MODULE_PIXELS, axis=0).repeat(MODULE_PIXELS, axis=1)
    image = Image.frombytes("1", (pixels.shape[1], pixels.shape[0]), np.packbits(pixels, axis=1).tobytes())
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()
