"""What the public sees of a certificate: its verification page's address, and a digest of its
verification code that lets the page check a code without holding it.

The address is `<public_url>/c/<REFERENCE>.html#<CODE>`: the code travels in the part of
the address after `#`, which a browser never sends to a server, so that no web server log
ever holds it. The page holds only the digest: `CODE_ROUNDS` rounds of SHA-256 over the
reference and the code (case, spaces and dashes removed), each round over the previous
digest with the reference again. Ten characters of base32 are 50 bits; with the rounds,
trying every code against a published digest costs about 2^63 hashes, while a page
checks one code in a few milliseconds. The same computation runs in the page's script
(`excelcert/data/site/site.js`), and a test checks both agree.
"""

from __future__ import annotations

import hashlib

from excelcert.register.config import Register

CODE_ROUNDS = 10_000
PAGE_FOLDER = "c"


def normal_code(code: str) -> str:
    """A code as typed or read: upper case, letters and digits only."""
    return "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())


def code_digest(reference: str, code: str, rounds: int = CODE_ROUNDS) -> str:
    """The digest a verification page holds of a certificate's code (hexadecimal)."""
    salt = reference.strip().upper().encode("utf-8")
    digest = hashlib.sha256(salt + b"|" + normal_code(code).encode("ascii")).digest()
    for _ in range(rounds - 1):
        digest = hashlib.sha256(digest + salt).digest()
    return digest.hex()


def page_path(reference: str) -> str:
    """The verification page of a certificate, relative to the site's root."""
    return f"{PAGE_FOLDER}/{reference.strip().upper()}.html"


def verification_url(register: Register, reference: str, code: str) -> str:
    """Where a certificate's QR code points: its page on the public site, with its code after
    '#'. Without a public address, the page's path alone (the site may be anywhere)."""
    base = register.public_url.strip().rstrip("/")
    path = page_path(reference)
    return f"{base}/{path}#{normal_code(code)}" if base else f"{path}#{normal_code(code)}"
